"""Mini-program API benchmark: four ``/api/v1`` operations on linli, with the floor alongside.

    .venv/bin/python -m benchmarks.api_bench [--rounds 3] [--people 200] [--connections 50]
        [--requests 20000] [--max-seconds 3] [--reports 400] [--media-store dir|database]

Servers, database and Redis are set up as in ``benchmarks.webhook_bench`` (whose helpers this
imports): ``linli serve`` in sandbox mode on a PostgreSQL database and a Redis prefix of its
own (after ``linli migrate`` and ``linli demo-data``, for the grids and categories), with the
API's rate limits lifted (``LINLI_API_RATE_PERSON`` / ``LINLI_API_RATE_IP``), and the floor
(``benchmarks/floor_server.py``), whose ``GET /healthz`` (aiohttp answering ``ok``, nothing
else) is the least any HTTP request costs on this machine.

Before measuring, ``--people`` residents sign in as the mini-program does (the in-process
sandbox's ``wx.login()`` code, then ``POST /auth/login``), each with a token of their own; the
logins come from several loopback addresses, since logins are limited to 30 a minute per
address. Then every photo the run will attach is uploaded (``POST /photos``, one JPEG each,
spread over the residents), timed but not part of the rounds. Each round measures, over
``--connections`` keep-alive connections, request i coming from resident i mod ``--people``:

1. ``GET /api/v1/points``: rate limits, session lookup in Redis, person row, ledger balance;
2. ``GET /api/v1/reports/mine``: the same, plus the resident's newest cases (up to 20);
3. ``POST /api/v1/reports`` (JSON, one pre-uploaded photo id, ``garbage``, a point in the demo
   street, a unique ``Idempotency-Key``): ``--reports`` new cases;
4. the same ``POST /api/v1/reports`` again with the same key and body: the stored response
   (``Idempotent-Replayed: true``), cycling over the round's cases.

Reads and replays stop after ``--requests`` requests or ``--max-seconds``, whichever comes
first; creates send exactly ``--reports``. Before each run the benchmark waits until linli is
idle, and after creates until the ``outbox`` sweep has sent the staff notifications of the new
cases, so each run's figures are its own operation's. A warm-up (unmeasured) gives every resident one case
first, so ``/reports/mine`` is never empty. Every response is checked after each run (status;
a balance; a non-empty list; a case number; a replay identical to the first answer). Prints
figures; asserts none. The exit status is non-zero only on a wrong response.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
from PIL import Image
from yarl import URL

from benchmarks.webhook_bench import (
    ROOT,
    RunResult,
    Server,
    add_loop_args,
    clean_up,
    cpu_seconds,
    create_database,
    describe_variants,
    floor_loop,
    free_port,
    linli_loop,
    start_server,
    tail,
    wait_healthy,
)

API = "/api/v1"
SANDBOX_LOGIN = "/sandbox/wechat/_sandbox/login"
LOGINS_PER_ADDRESS = 25  # the API allows 30 logins a minute per client address
CATEGORY = "garbage"  # handlers/categories/data/categories.json
DESCRIPTION = "楼下垃圾堆了好几天"
# The middle of the demo street (grids G01-G08: about 43.8812-43.8888 N, 125.3112-125.3298 E).
LAT, LNG, JITTER_LAT, JITTER_LNG = 43.8860, 125.3180, 0.0020, 0.0050
SCENARIOS = ("points", "mine", "create", "replay")
LABELS = {"floor": "floor GET /healthz", "points": "GET /points",
          "mine": "GET /reports/mine", "create": "POST /reports",
          "replay": "POST /reports replay"}
# Issue 17: a report with a photo, on the machine and in the run that measures the floor.
CREATE_RATE_TARGET = 300.0
CREATE_P99_TARGET_MS = 250.0


@dataclass
class Req:
    method: str
    url: URL
    headers: dict[str, str]
    body: bytes | None = None
    photo: str | None = None  # the photo a create attaches (returned to the pool if unsent)
    person: int = 0
    original: bytes | None = None  # for a replay: the first response's body


@dataclass
class Reply:
    index: int
    status: int
    body: bytes
    replayed: bool
    seconds: float


def jpeg(k: int) -> bytes:
    """A small JPEG, a different one for each k (no two photos share a hash)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (k % 256, k // 256 % 256, 40 + k // 65536 % 200)).save(out, "JPEG")
    return out.getvalue()


def auth(token: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **(extra or {})}


# ---------------------------------------------------------------- setup: logins and photos


async def login_all(base: str, openids: list[str]) -> list[str]:
    """A token per openid, via the sandbox's wx.login() code and POST /auth/login."""
    tokens: list[str] = []
    for start in range(0, len(openids), LOGINS_PER_ADDRESS):
        address = f"127.0.0.{2 + start // LOGINS_PER_ADDRESS}"
        connector = aiohttp.TCPConnector(local_addr=(address, 0))
        async with aiohttp.ClientSession(connector=connector) as http:
            for openid in openids[start:start + LOGINS_PER_ADDRESS]:
                async with http.post(base + SANDBOX_LOGIN, json={"openid": openid}) as r:
                    code = (await r.json())["code"]
                async with http.post(f"{base}{API}/auth/login", json={"code": code}) as r:
                    if r.status != 200:
                        raise RuntimeError(f"login of {openid} from {address}: HTTP {r.status} "
                                           f"{(await r.text())[:200]}")
                    tokens.append((await r.json())["token"])
    return tokens


async def upload_photos(session: aiohttp.ClientSession, base: str, tokens: list[str],
                        per_person: int, connections: int) -> tuple[list[deque[str]], RunResult]:
    """per_person photos for each resident (POST /photos, multipart ``file``), concurrently."""
    pools: list[deque[str]] = [deque() for _ in tokens]
    jobs = [(k, p) for k in range(per_person) for p in range(len(tokens))]
    jobs.reverse()
    out = RunResult(sent=0, seconds=0.0, latencies=[])

    async def worker() -> None:
        while jobs:
            k, p = jobs.pop()
            data = aiohttp.FormData()
            data.add_field("file", jpeg(k * len(tokens) + p), filename="p.jpg",
                           content_type="image/jpeg")
            t0 = time.perf_counter()
            async with session.post(f"{base}{API}/photos", data=data,
                                    headers=auth(tokens[p])) as r:
                body = await r.read()
                status = r.status
            out.sent += 1
            if status != 201:
                out.bad.append(f"upload: HTTP {status} {body[:200]!r}")
                continue
            out.latencies.append(time.perf_counter() - t0)
            pools[p].append(json.loads(body)["id"])

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    out.seconds = time.perf_counter() - started
    return pools, out


# ---------------------------------------------------------------- requests and load


def reads(base: str, path: str, tokens: list[str], n: int, start: int) -> list[Req]:
    url = URL(f"{base}{path}", encoded=True)
    return [Req("GET", url, auth(tokens[(start + i) % len(tokens)]),
                person=(start + i) % len(tokens)) for i in range(n)]


def creates(base: str, tokens: list[str], pools: list[deque[str]], n: int, start: int
            ) -> list[Req]:
    """n new reports, request i from resident (start + i) mod people, each with a photo of
    that resident's that has not been attached yet and an Idempotency-Key of its own."""
    url = URL(f"{base}{API}/reports", encoded=True)
    out = []
    for i in range(n):
        p = (start + i) % len(tokens)
        if not pools[p]:
            raise RuntimeError(f"resident {p} has no unattached photo left")
        photo = pools[p].popleft()
        body = json.dumps({"photo_ids": [photo], "category": CATEGORY,
                           "description": DESCRIPTION,
                           "lat": round(LAT + (secrets.randbelow(2001) - 1000) / 1000
                                        * JITTER_LAT, 6),
                           "lng": round(LNG + (secrets.randbelow(2001) - 1000) / 1000
                                        * JITTER_LNG, 6)}).encode()
        headers = auth(tokens[p], {"Content-Type": "application/json",
                                   "Idempotency-Key": f"bench-{uuid.uuid4().hex}"})
        out.append(Req("POST", url, headers, body, photo=photo, person=p))
    return out


def replays(done: list[tuple[Req, bytes]], n: int) -> list[Req]:
    """n repeats of earlier creates (same key, same body), cycling over them."""
    return [Req(r.method, r.url, r.headers, r.body, person=r.person, original=first)
            for r, first in (done[i % len(done)] for i in range(n))]


async def run_load(session: aiohttp.ClientSession, requests: list[Req], connections: int,
                   max_seconds: float) -> tuple[RunResult, list[Reply]]:
    """Send the requests over ``connections`` concurrent keep-alive connections, or stop at
    ``max_seconds``; the replies are checked afterwards by the caller."""
    replies: list[Reply] = []
    errors: list[str] = []
    position = 0
    cpu_started = time.process_time()
    started = time.perf_counter()
    deadline = started + max_seconds

    async def worker() -> None:
        nonlocal position
        while position < len(requests) and time.perf_counter() < deadline:
            index = position
            position += 1
            req = requests[index]
            t0 = time.perf_counter()
            try:
                async with session.request(req.method, req.url, data=req.body,
                                           headers=req.headers) as resp:
                    body = await resp.read()
                    replies.append(Reply(index, resp.status, body,
                                         resp.headers.get("Idempotent-Replayed") == "true",
                                         time.perf_counter() - t0))
            except (TimeoutError, aiohttp.ClientError) as exc:
                errors.append(f"request {index}: {type(exc).__name__}: {exc}")

    await asyncio.gather(*(worker() for _ in range(connections)))
    result = RunResult(sent=position, seconds=time.perf_counter() - started,
                       latencies=[r.seconds for r in replies], bad=errors,
                       client_cpu=time.process_time() - cpu_started)
    return result, replies


def check(scenario: str, req: Req, reply: Reply) -> str | None:
    want = 201 if scenario in ("create", "replay") else 200
    if reply.status != want:
        return f"{scenario}: HTTP {reply.status}, not {want}: {reply.body[:200]!r}"
    if scenario == "floor":
        return None if reply.body == b"ok" else f"floor: {reply.body[:80]!r}"
    if scenario == "replay":
        if not reply.replayed or reply.body != req.original:
            return f"replay: not the stored response ({reply.replayed}): {reply.body[:200]!r}"
        return None
    try:
        doc = json.loads(reply.body)
    except ValueError:
        return f"{scenario}: not JSON: {reply.body[:200]!r}"
    if scenario == "points" and not isinstance(doc.get("available"), int):
        return f"points: no balance: {doc!r:.200}"
    if scenario == "mine" and not doc.get("items"):
        return f"mine: an empty list for a resident with cases: {doc!r:.200}"
    if scenario == "create" and (reply.replayed or not str(doc.get("number", "")).startswith("A")):
        return f"create: no new case number: {doc!r:.200}"
    return None


# ---------------------------------------------------------------- quiet between runs


async def quiesce(db_url: str | None, server: Server, outbox_wait: float = 0.0) -> None:
    """Let linli's background work from the previous run finish before the next one.

    With ``outbox_wait``, first wait (at most that long) until no outbox row is due: every new
    case enqueues staff notifications, which the ``outbox`` sweep (every 5 s) sends. Then wait
    (at most 3 s) until the server process uses under 5% of a core over 0.3 s.
    """
    if outbox_wait and db_url is not None:
        conn = await asyncpg.connect(db_url.replace("postgres://", "postgresql://", 1))
        try:
            deadline = time.monotonic() + outbox_wait
            while due := await conn.fetchval(
                    "SELECT count(*) FROM outbox_message WHERE status = 'pending' "
                    "AND next_attempt_at <= now()"):
                if time.monotonic() > deadline:
                    print(f"  (still {due} outbox rows due after {outbox_wait:g} s; measuring "
                          f"anyway)", flush=True)
                    break
                await asyncio.sleep(0.2)
        finally:
            await conn.close()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        before = cpu_seconds(server.proc.pid)
        await asyncio.sleep(0.3)
        after = cpu_seconds(server.proc.pid)
        if before is None or after is None or after - before < 0.015:
            return


# ---------------------------------------------------------------- the run


def _cols(r: RunResult) -> str:
    return f"{r.rate:7.0f} {r.pct(50):6.1f} {r.pct(99):6.1f} {r.cpu_ms:6.3f}"


HEADER = (f"{'round':>5} | {'scenario':<22} | {'req/s':>7} {'p50':>6} {'p99':>6} {'cpu':>6} | "
          f"{'requests':>8}\n" + "-" * 72 + "\n"
          "(latencies in ms at the client; cpu = server process CPU ms per request)")


@dataclass
class _Runs:
    """What the runs of one benchmark share: the servers, the residents' tokens and photos,
    where the requests have got to, and the wrong responses so far."""

    args: argparse.Namespace
    session: aiohttp.ClientSession
    floor: Server
    linli: Server
    db_url: str
    tokens: list[str]
    pools: list[deque[str]]
    failures: int = 0
    cursor: int = 0
    after_create: bool = True  # quiet the server before the first run and after creates

    async def one(self, scenario: str, reqs: list[Req], max_seconds: float
                  ) -> tuple[RunResult, list[Reply]]:
        server = self.floor if scenario == "floor" else self.linli
        self.cursor += len(reqs)
        await quiesce(self.db_url, self.linli, outbox_wait=12.0 if self.after_create else 0.0)
        cpu_before = cpu_seconds(server.proc.pid)
        res, replies = await run_load(self.session, reqs, self.args.connections, max_seconds)
        cpu_after = cpu_seconds(server.proc.pid)
        if cpu_before is not None and cpu_after is not None:
            res.server_cpu = cpu_after - cpu_before
        res.bad += [p for r in replies if (p := check(scenario, reqs[r.index], r))]
        good = {r.index for r in replies}
        for i in range(len(reqs) - 1, -1, -1):  # photos of unsent creates go back
            if reqs[i].photo is not None and i not in good:
                self.pools[reqs[i].person].appendleft(reqs[i].photo)
        if res.bad:
            self.failures += len(res.bad)
            print(f"  ! {scenario}: {len(res.bad)} wrong responses, e.g. {res.bad[0]}",
                  flush=True)
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} died; see {server.log}:\n{tail(server.log)}")
        self.after_create = scenario == "create"
        return res, replies

    async def scenario_run(self, scenario: str, n: int, max_seconds: float,
                           created: list[tuple[Req, bytes]]) -> RunResult:
        if scenario == "floor":
            reqs = reads(self.floor.base, "/healthz", self.tokens, n, self.cursor)
        elif scenario == "points":
            reqs = reads(self.linli.base, f"{API}/points", self.tokens, n, self.cursor)
        elif scenario == "mine":
            reqs = reads(self.linli.base, f"{API}/reports/mine", self.tokens, n, self.cursor)
        elif scenario == "create":
            reqs = creates(self.linli.base, self.tokens, self.pools, n, self.cursor)
        else:
            reqs = replays(created, n)
        res, replies = await self.one(scenario, reqs, max_seconds)
        if scenario == "create":
            created.extend((reqs[r.index], r.body) for r in replies if r.status == 201)
        return res


async def _prepare(args: argparse.Namespace, session: aiohttp.ClientSession, floor: Server,
                   linli: Server, db_url: str) -> _Runs:
    """Both servers up, the residents signed in and every photo the runs attach uploaded."""
    tag = secrets.token_hex(3)
    openids = [f"oApiBench{tag}{k:04d}" for k in range(args.people)]
    await wait_healthy(session, floor)
    await wait_healthy(session, linli)
    t0 = time.perf_counter()
    tokens = await login_all(linli.base, openids)
    print(f"signed in {len(tokens)} residents in {time.perf_counter() - t0:.1f} s",
          flush=True)
    creates_total = args.people + args.rounds * args.reports  # warm-up: one each
    per_person = -(-creates_total // args.people)
    pools, up = await upload_photos(session, linli.base, tokens, per_person,
                                    args.connections)
    if up.bad:
        raise RuntimeError(f"{len(up.bad)} uploads failed, e.g. {up.bad[0]}")
    print(f"uploaded {len(up.latencies)} photos into the {args.media_store} store "
          f"(POST /photos, multipart, "
          f"{args.connections} connections, not part of the rounds): {up.rate:.0f} req/s, "
          f"p50 {up.pct(50):.1f} ms, p99 {up.pct(99):.1f} ms", flush=True)
    return _Runs(args, session, floor, linli, db_url, tokens, pools)


async def _warm_up(runs: _Runs) -> None:
    t0 = time.perf_counter()
    warm: list[tuple[Req, bytes]] = []
    await runs.scenario_run("create", runs.args.people, 120, warm)  # a case for every resident
    for scenario, n in (("floor", 2000), ("points", 1000), ("mine", 1000), ("replay", 1000)):
        await runs.scenario_run(scenario, n, 30, warm)
    print(f"warm-up done in {time.perf_counter() - t0:.1f} s ({runs.args.people} cases, "
          f"1,000 requests per read/replay scenario)\n", flush=True)


async def _round(runs: _Runs, rnd: int, results: dict[str, list[RunResult]]) -> None:
    args = runs.args
    created: list[tuple[Req, bytes]] = []
    plan = [("floor", args.requests, args.max_seconds),
            ("points", args.requests, args.max_seconds),
            ("mine", args.requests, args.max_seconds),
            ("create", args.reports, 120.0),
            ("replay", args.requests, args.max_seconds)]
    for scenario, n, limit in plan:
        if scenario == "replay" and not created:
            continue
        res = await runs.scenario_run(scenario, n, limit, created)
        results[scenario].append(res)
        print(f"{rnd:>5} | {LABELS[scenario]:<22} | {_cols(res)} | "
              f"{len(res.latencies):8d}", flush=True)


def _print_medians(args: argparse.Namespace, results: dict[str, list[RunResult]]) -> None:
    print(f"\nmedian over {args.rounds} rounds ({args.connections} connections, "
          f"{args.people} residents):")
    floor_rate = statistics.median(r.rate for r in results["floor"])
    for scenario in ("floor", *SCENARIOS):
        runs = results[scenario]
        if not runs:
            continue
        rate = statistics.median(r.rate for r in runs)
        print(f"  {LABELS[scenario]:<22} {rate:7.0f} req/s  p50 "
              f"{statistics.median(r.pct(50) for r in runs):6.1f} ms  p99 "
              f"{statistics.median(r.pct(99) for r in runs):6.1f} ms  server CPU "
              f"{statistics.median(r.cpu_ms for r in runs):.3f} ms/request  client CPU "
              f"{statistics.median(r.client_cpu_ms for r in runs):.3f} ms/request"
              + ("" if scenario == "floor" else f"  (÷ floor {rate / floor_rate:.2f})"))
    if results["create"]:
        rate = statistics.median(r.rate for r in results["create"])
        p99 = statistics.median(r.pct(99) for r in results["create"])
        print(f"  {LABELS['create']}: {rate:.0f} req/s (target >= {CREATE_RATE_TARGET:.0f}: "
              f"{'met' if rate >= CREATE_RATE_TARGET else 'MISSED'}), p99 {p99:.1f} ms "
              f"(target < {CREATE_P99_TARGET_MS:.0f} ms: "
              f"{'met' if p99 < CREATE_P99_TARGET_MS else 'MISSED'})")


async def bench(args: argparse.Namespace, floor: Server, linli: Server, db_url: str) -> int:
    connector = aiohttp.TCPConnector(limit=args.connections, limit_per_host=args.connections)
    results: dict[str, list[RunResult]] = {s: [] for s in ("floor", *SCENARIOS)}
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=60)) as session:
        runs = await _prepare(args, session, floor, linli, db_url)
        await _warm_up(runs)
        print(HEADER, flush=True)
        for rnd in range(1, args.rounds + 1):
            await _round(runs, rnd, results)

    _print_medians(args, results)
    if runs.failures:
        print(f"\n{runs.failures} wrong or missing responses: the figures above are not valid")
    return 1 if runs.failures else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.api_bench",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--people", type=int, default=200,
                   help="signed-in residents, each with a token of their own (default 200)")
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--requests", type=int, default=20000,
                   help="requests per read or replay run, at most (default 20000)")
    p.add_argument("--max-seconds", type=float, default=3.0,
                   help="a read or replay run stops after this long (default 3)")
    p.add_argument("--reports", type=int, default=400,
                   help="new reports (and photos uploaded beforehand) per round (default 400)")
    p.add_argument("--pg-admin-url", default=os.environ.get(
        "LINLI_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL URL allowed to CREATE and DROP DATABASE")
    p.add_argument("--redis-url", default=os.environ.get(
        "LINLI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    p.add_argument("--keep-logs", action="store_true",
                   help="keep the servers' logs (their path is printed)")
    p.add_argument("--media-store", choices=("dir", "database"), default="dir",
                   help="where linli keeps the uploaded photos (LINLI_MEDIA_STORE)")
    add_loop_args(p)
    args = p.parse_args(argv)
    if min(args.rounds, args.requests, args.reports, args.connections) < 1:
        p.error("--rounds, --requests, --reports and --connections must be at least 1")
    if args.people <= args.connections:
        p.error("--people must exceed --connections (one resident's requests are sequential)")
    if args.people > LOGINS_PER_ADDRESS * 250:
        p.error(f"--people: at most {LOGINS_PER_ADDRESS * 250}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="linli-api-bench-"))
    prefix = f"linli_bench_{uuid.uuid4().hex[:12]}:"
    db_url = None
    servers: list[Server] = []
    status = 1
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
          f"client and both servers share them", flush=True)
    try:
        db_url = asyncio.run(create_database(args.pg_admin_url))
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
        env.update({"LINLI_DATABASE_URL": db_url, "LINLI_REDIS_URL": args.redis_url,
                    "LINLI_REDIS_PREFIX": prefix, "LINLI_MEDIA_DIR": str(workdir / "media"),
                    "LINLI_MEDIA_STORE": args.media_store, "LINLI_EVENT_LOOP": linli_loop(args),
                    "LINLI_API_RATE_PERSON": "100000000", "LINLI_API_RATE_IP": "100000000",
                    "PYTHONUNBUFFERED": "1"})
        cli = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
        for command in ("migrate", "demo-data"):
            done = subprocess.run([*cli, command], cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=180)
            if done.returncode != 0:
                raise RuntimeError(f"linli {command} failed:\n{done.stdout}{done.stderr}")
        print(f"linli: postgres ({db_url.split('@')[-1]}), redis {args.redis_url} prefix "
              f"{prefix}; demo data loaded; API rate limits lifted", flush=True)
        print(f"load: {args.connections} connections, {args.people} residents, per round: "
              f"reads and replays {args.requests} requests or {args.max_seconds:g} s, "
              f"{args.reports} new reports; {args.rounds} rounds", flush=True)
        floor_port, linli_port = free_port(), free_port()
        print(describe_variants(args), flush=True)
        servers.append(start_server("floor", [sys.executable, "-m", "benchmarks.floor_server",
                                              "--port", str(floor_port), "--loop",
                                              floor_loop(args)], floor_port, env, workdir))
        servers.append(start_server("linli", [*cli, "serve", "--host", "127.0.0.1", "--port",
                                              str(linli_port)], linli_port, env, workdir))
        print(f"servers: floor pid {servers[0].proc.pid}, linli pid {servers[1].proc.pid} "
              f"(attach a profiler here, e.g. py-spy record --pid)", flush=True)
        status = asyncio.run(bench(args, servers[0], servers[1], db_url))
    finally:
        clean_up(servers, args.pg_admin_url, db_url, args.redis_url, prefix, workdir,
                 args.keep_logs or status != 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
