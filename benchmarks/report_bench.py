"""Report-flow benchmark: 随手拍 conversations on linli against the floor server, in paired rounds.

    .venv/bin/python -m benchmarks.report_bench [--rounds 5] [--residents 300]
        [--connections 50] [--per-step N] [--compare-root DIR]

Servers, database and Redis are set up as in ``benchmarks.webhook_bench`` (whose helpers this
imports): the floor and ``linli serve`` (sandbox mode, PostgreSQL database and Redis prefix of
its own, after ``linli migrate`` and ``linli demo-data`` for grids and categories).

Each resident (a fresh openid per round) sends, each message only after the previous reply:
a photo (a MediaId uploaded to linli's WeChat sandbox beforehand), a location inside the demo
street, a description, ``1`` (the first suggested category) and ``确认``; when linli offers a
nearby open case of the same category ("是不是这个？") the resident answers ``不是``. Every reply
is checked for the step it should be, and the cases created are counted in the database.
``--connections`` workers, each one keep-alive connection's worth, take residents one at a time.
The floor then answers the same number of messages (the webhook benchmark's echoed text) with
the same concurrency. A linli's CPU is counted until it has finished what its run left it
(its sweeps' pushes and photos; ``drained``), before the next run starts. ``--per-step N``
then sends N more flows step by step (every photo, then every place...) and prints the
server's CPU per message of each step. Prints figures; asserts none. Exit status 1 only on a
wrong reply or a missing case.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import asyncpg
from PIL import Image

from benchmarks.webhook_bench import FLOOR_REPLY as FLOOR_ECHO
from benchmarks.webhook_bench import (
    ROOT,
    RunResult,
    Server,
    add_variant_args,
    build_requests,
    clean_up,
    cpu_seconds,
    create_database,
    delete_redis_keys,
    describe_variants,
    drop_database,
    floor_loop,
    free_port,
    linli_loop,
    paired_difference,
    run_load,
    start_server,
    tail,
    variant_env,
    wait_healthy,
)
from bot import callbacks
from bot.config import SANDBOX_APPID, SANDBOX_SECRET, SANDBOX_TOKEN
from bot.sandbox import MESSAGES_PATH
from bot.xmlsafe import parse_fields

RATIO_TARGET = 0.25
P99_TARGET_MS = 100.0
SANDBOX = "/sandbox/wechat"
DESCRIPTIONS = ["路灯不亮了", "路面有个大坑", "楼下垃圾堆了好几天", "井盖丢了很危险", "楼道灯坏了",
                "下水道堵了往外冒水", "路边有辆僵尸车", "绿化带的树倒了"]
# The demo street (grids G01-G08): about 43.8812-43.8888 N, 125.3112-125.3298 E.
LAT0, LAT1, LNG0, LNG1 = 43.8816, 43.8884, 125.3116, 125.3294
CASE_NUMBER = re.compile(r"编号 (A\d+)")


@dataclass
class FlowResult:
    run: RunResult
    flows: int = 0
    submitted: list[str] = field(default_factory=list)  # case numbers from the replies
    dup_offers: int = 0
    cases: int = 0  # counted in the database afterwards


def place(k: int, total: int) -> tuple[float, float]:
    """Point k of ``total`` spread over the demo street on a lattice (a fresh offset per k)."""
    cols = max(1, int((total * 2) ** 0.5))
    rows = -(-total // cols)
    r, c = divmod(k % total, cols)
    jitter = secrets.randbelow(1000) / 1000
    return (LAT0 + (LAT1 - LAT0) * (r + jitter) / rows,
            LNG0 + (LNG1 - LNG0) * (c + jitter) / cols)


def png(k: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (k % 256, k // 256 % 256, 90)).save(buf, "PNG")
    return buf.getvalue()


async def upload_photos(session: aiohttp.ClientSession, base: str, n: int,
                        path: str = SANDBOX) -> list[str]:
    """n MediaIds from linli's WeChat sandbox (at ``base + path``: linli's own mount, or a
    ``linli sandbox`` process with ``path=""``), as a resident's phone would have uploaded."""
    async with session.post(f"{base}{path}/cgi-bin/stable_token", json={
            "grant_type": "client_credential", "appid": SANDBOX_APPID,
            "secret": SANDBOX_SECRET}) as resp:
        token = (await resp.json(content_type=None))["access_token"]
    ids = []
    for k in range(n):
        form = aiohttp.FormData()
        form.add_field("media", png(k), filename=f"p{k}.png", content_type="image/png")
        async with session.post(f"{base}{path}/cgi-bin/media/upload",
                                params={"type": "image", "access_token": token},
                                data=form) as resp:
            ids.append((await resp.json(content_type=None))["media_id"])
    return ids


async def post(session: aiohttp.ClientSession, base: str, openid: str, xml: str
               ) -> tuple[str | None, float]:
    """Send one signed callback; (reply text or None, seconds)."""
    query = callbacks.signed_query(SANDBOX_TOKEN, openid, nonce=str(secrets.randbelow(10**10)))
    t0 = time.perf_counter()
    async with session.post(f"{base}/wechat?{urlencode(query)}", data=xml.encode(),
                            headers={"Content-Type": "text/xml"}) as resp:
        body = await resp.read()
        status = resp.status
    seconds = time.perf_counter() - t0
    if status != 200:
        raise ValueError(f"HTTP {status}: {body[:200]!r}")
    return parse_fields(body).get("Content"), seconds


AFTER_SECONDS = 5.0
STEP_NAMES = ("photo", "place", "description", "category 1", "确认", "不是")


def _steps(openid: str, media_id: str, lat: float, lng: float, desc: str
           ) -> list[tuple[str, str | None]]:
    """A resident's messages, each with the text its reply must hold (None: 确认 and 不是)."""
    return [(callbacks.image(openid, media_id), "已收到照片（1/3）"),
            (callbacks.location(openid, lat, lng, f"南湖街道 {lat:.5f},{lng:.5f}"), "已记下位置"),
            (callbacks.text(openid, desc), "请选择问题分类"),
            (callbacks.text(openid, "1"), "请核对上报内容"),
            (callbacks.text(openid, "确认"), None),
            (callbacks.text(openid, "不是"), None)]


def _next(openid: str, i: int, reply: str, expect: str | None, out: FlowResult) -> bool:
    """Whether the flow goes on after step ``i``'s ``reply``; a case or a wrong reply noted."""
    if expect is None:  # 确认 or 不是: a case number, or (after 确认 only) the offer
        if (m := CASE_NUMBER.search(reply)) and "上报成功" in reply:
            out.submitted.append(m.group(1))
            out.flows += 1
            return False
        if i == 4 and "是不是这个" in reply:
            out.dup_offers += 1
            return True
    elif expect in reply:
        return True
    out.run.bad.append(f"{openid} step {i + 1}: unexpected reply {reply[:80]!r}")
    return False


async def resident_flow(session: aiohttp.ClientSession, base: str, openid: str, media_id: str,
                        lat: float, lng: float, desc: str, out: FlowResult) -> None:
    """photo → location → description → 1 → 确认 (→ 不是); each reply checked for its step."""
    for i, (xml, expect) in enumerate(_steps(openid, media_id, lat, lng, desc)):
        try:
            reply, seconds = await post(session, base, openid, xml)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            out.run.bad.append(f"{openid} step {i + 1}: {type(exc).__name__}: {exc}")
            return
        out.run.latencies.append(seconds)
        out.run.sent += 1
        if not _next(openid, i, reply or "", expect, out):
            return


async def run_flows(session: aiohttp.ClientSession, server: Server, residents: list[str],
                    photos: list[str], connections: int) -> FlowResult:
    out = FlowResult(RunResult(sent=0, seconds=0.0, latencies=[]))
    queue = list(enumerate(residents))
    queue.reverse()

    async def worker() -> None:
        while queue:
            k, openid = queue.pop()
            lat, lng = place(k, len(residents))
            await resident_flow(session, server.base, openid, photos[k], lat, lng,
                                DESCRIPTIONS[k % len(DESCRIPTIONS)], out)

    cpu_before, client_before = cpu_seconds(server.proc.pid), time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    out.run.seconds = time.perf_counter() - started
    out.run.client_cpu = time.process_time() - client_before
    cpu_after = await drained(server)
    if cpu_before is not None and cpu_after is not None:
        out.run.server_cpu = cpu_after - cpu_before
    return out


IDLE_SHARE = 0.05  # of one core, over IDLE_WINDOW: the server has caught up
IDLE_WINDOW = 0.5
DRAIN_LIMIT = 15.0  # seconds


async def drained(server: Server) -> float | None:
    """The server's CPU seconds once it has finished what the run left it (the sweeps'
    pushes and photos: work the flows caused), waiting at most ``DRAIN_LIMIT``. Counting it
    keeps a server that defers work from looking cheaper, and keeps its backlog from running
    into the next server's run on the same cores (the floor's, or the other linli's)."""
    before = cpu_seconds(server.proc.pid)
    deadline = time.perf_counter() + DRAIN_LIMIT
    while before is not None and time.perf_counter() < deadline:
        await asyncio.sleep(IDLE_WINDOW)
        after = cpu_seconds(server.proc.pid)
        if after is None or after - before < IDLE_SHARE * IDLE_WINDOW:
            return after
        before = after
    return before


async def count_cases(db_url: str, openids: list[str]) -> int:
    conn = await asyncpg.connect(db_url.replace("postgres://", "postgresql://", 1))
    try:
        return await conn.fetchval(
            "SELECT count(*) FROM report_case WHERE reporter_openid = ANY($1::text[])", openids)
    finally:
        await conn.close()


def _cols(r: RunResult) -> str:
    return (f"{r.rate:7.0f} {r.pct(50):6.1f} {r.pct(90):6.1f} {r.pct(99):6.1f} "
            f"{r.cpu_ms:6.3f}")


_SUB = f"{'msg/s':>7} {'p50':>6} {'p90':>6} {'p99':>6} {'cpu':>6}"
HEADER = (f"{'':5} | {'floor':^35} | {'linli (report flow)':^35} |\n"
          f"{'round':>5} | {_SUB} | {_SUB} | ratio | msgs  cases dup\n" + "-" * 104 + "\n"
          "(latencies in ms at the client; cpu = server process CPU ms per message, with the "
          "work the run left it: until it is idle, at most 15 s)")


async def bench(args: argparse.Namespace, floor: Server,
                linlis: list[tuple[Server, str]], sandboxes: dict[str, Server]) -> int:
    connector = aiohttp.TCPConnector(limit=args.connections, limit_per_host=args.connections)
    failures = 0
    pairs: dict[str, list[tuple[RunResult, RunResult]]] = {s.name: [] for s, _ in linlis}
    tag = secrets.token_hex(3)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=30)) as session:
        await wait_healthy(session, floor)
        n_all = args.warmup + args.rounds * args.residents + args.per_step
        photos: dict[str, list[str]] = {}
        for linli, _ in linlis:
            t0 = time.perf_counter()
            photos[linli.name] = await _photos_for(session, linli, sandboxes.get(linli.name),
                                                   n_all)
            print(f"uploaded {n_all} photos to {linli.name}'s sandbox in "
                  f"{time.perf_counter() - t0:.1f} s", flush=True)
        floor_people = [f"oFloor{tag}{k:05d}" for k in range(500)]

        async def flows(linli: Server, db_url: str, label: str, first: int, n: int
                        ) -> FlowResult:
            nonlocal failures
            residents = [f"oReport{tag}{label}{k:05d}" for k in range(n)]
            res = await run_flows(session, linli, residents,
                                  photos[linli.name][first:first + n], args.connections)
            cases = await count_cases(db_url, residents)
            problems = res.run.bad + ([f"{n} flows but {cases} cases in the database, "
                                       f"{len(res.submitted)} case numbers in replies"]
                                      if not cases == len(res.submitted) == n else [])
            if problems:
                failures += len(problems)
                print(f"  ! {label}: {len(problems)} problems, e.g. {problems[0]}", flush=True)
            if linli.proc.poll() is not None:
                raise RuntimeError(f"linli died; see {linli.log}:\n{tail(linli.log)}")
            res.cases = cases
            return res

        async def floor_run(n: int) -> RunResult:
            nonlocal failures
            reqs = build_requests(floor.base, n, floor_people, None, 0)
            cpu_before = cpu_seconds(floor.proc.pid)
            res = await run_load(session, reqs, args.connections, 60, FLOOR_ECHO, None)
            cpu_after = cpu_seconds(floor.proc.pid)
            if cpu_before is not None and cpu_after is not None:
                res.server_cpu = cpu_after - cpu_before
            if res.bad:
                failures += len(res.bad)
                print(f"  ! floor: {len(res.bad)} bad replies, e.g. {res.bad[0]}", flush=True)
            return res

        await _rounds(args, linlis, flows, floor_run, pairs)
        if args.per_step:
            failures += await _per_step(session, [linli for linli, _ in linlis], {
                name: shots[-args.per_step:] for name, shots in photos.items()}, tag,
                args.connections)

    _summaries(pairs)
    if failures:
        print(f"\n{failures} problems: the figures above are not valid")
    return 1 if failures else 0


async def _phase(session: aiohttp.ClientSession, base: str,
                 messages: list[tuple[str, str, str | None]], i: int, connections: int,
                 out: FlowResult) -> list[str]:
    """Step ``i``'s (openid, message, expected) sent ``connections`` at a time; the openids
    whose flows go on."""
    queue, left = list(reversed(messages)), []

    async def worker() -> None:
        while queue:
            openid, xml, expect = queue.pop()
            try:
                reply, _ = await post(session, base, openid, xml)
            except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
                out.run.bad.append(f"{openid} step {i + 1}: {type(exc).__name__}: {exc}")
                continue
            if _next(openid, i, reply or "", expect, out):
                left.append(openid)

    await asyncio.gather(*(worker() for _ in range(connections)))
    return left


@dataclass
class _StepRun:
    """One server's share of ``--per-step``: its residents, where each stands, its figures."""

    linli: Server
    steps: dict[str, list[tuple[str, str | None]]]
    going: list[str]
    out: FlowResult = field(default_factory=lambda: FlowResult(RunResult(
        sent=0, seconds=0.0, latencies=[])))
    cpu_ms: dict[str, float] = field(default_factory=dict)  # step -> ms per message
    per_flow: float = 0.0

    @classmethod
    def of(cls, linli: Server, photos: list[str], tag: str) -> _StepRun:
        residents = [f"oStep{tag}{linli.name[-1]}{k:05d}" for k in range(len(photos))]
        steps = {openid: _steps(openid, photos[k], *place(k, len(residents)),
                                DESCRIPTIONS[k % len(DESCRIPTIONS)])
                 for k, openid in enumerate(residents)}
        return cls(linli, steps, residents)

    async def phase(self, session: aiohttp.ClientSession, i: int, connections: int) -> None:
        going, pid = self.going, self.linli.proc.pid
        before = cpu_seconds(pid)
        self.going = await _phase(session, self.linli.base,
                                  [(openid, *self.steps[openid][i]) for openid in going], i,
                                  connections, self.out)
        after = cpu_seconds(pid)
        if before is not None and after is not None and going:
            self.cpu_ms[STEP_NAMES[i]] = (after - before) * 1000 / len(going)
            self.per_flow += (after - before) * 1000 / len(self.steps)


async def _per_step(session: aiohttp.ClientSession, linlis: list[Server],
                    photos: dict[str, list[str]], tag: str, connections: int) -> int:
    """The server's CPU per message of each step (``--per-step``): all the residents' photos
    first (``connections`` at a time), then all their places, and so on, the server's CPU
    read around each phase; with ``--compare``, linli's phase then linli-B's, step by step,
    so both meet the machine in the same state. The sweeps' work (photos fetched, notices
    pushed) counts in the phase it coincides with, and in the seconds after the last."""
    runs = [_StepRun.of(linli, photos[linli.name], tag) for linli in linlis]
    for i in range(len(STEP_NAMES)):
        for run in runs:
            await run.phase(session, i, connections)
    before = [cpu_seconds(run.linli.proc.pid) for run in runs]
    await asyncio.sleep(AFTER_SECONDS)  # the sweeps finish the cases' photos and notices
    idle = [None if b is None or (a := cpu_seconds(run.linli.proc.pid)) is None
            else (a - b) * 1000 / len(run.steps) for b, run in zip(before, runs, strict=True)]
    print(f"\nstep by step ({len(runs[0].steps)} flows each, {connections} connections): "
          f"server CPU ms per message")
    print(f"  {'step':<12}" + "".join(f" {run.linli.name:>9}" for run in runs)
          + ("  difference" if len(runs) > 1 else ""))
    rows = [(name, [run.cpu_ms.get(name) for run in runs]) for name in STEP_NAMES]
    rows += [("per flow", [run.per_flow for run in runs]), ("then idle", idle)]
    for name, figures in rows:
        cells = "".join(f" {f:9.3f}" if f is not None else f" {'-':>9}" for f in figures)
        diff = (f"  {100 * (figures[0] / figures[1] - 1):+.1f} %"
                if len(figures) > 1 and None not in figures[:2] and figures[1] else "")
        print(f"  {name:<12}{cells}{diff}")
    print("  (per flow: the steps' CPU over all flows; then idle: per flow, in the "
          f"{AFTER_SECONDS:.0f} s after the last step)")
    bad = 0
    for run in runs:
        print(f"  {run.linli.name}: {len(run.out.submitted)} cases"
              + (f"; ! {len(run.out.run.bad)} problems, e.g. {run.out.run.bad[0]}"
                 if run.out.run.bad else ""))
        bad += len(run.out.run.bad)
    return bad


async def _photos_for(session: aiohttp.ClientSession, linli: Server, sandbox: Server | None,
                      n: int) -> list[str]:
    await wait_healthy(session, linli)
    if sandbox is None:
        return await upload_photos(session, linli.base, n)
    await wait_healthy(session, sandbox, path=f"{MESSAGES_PATH}?openid=probe")
    return await upload_photos(session, sandbox.base, n, path="")


async def _rounds(args: argparse.Namespace, linlis: list[tuple[Server, str]], flows, floor_run,
                  pairs: dict[str, list[tuple[RunResult, RunResult]]]) -> None:
    for linli, db_url in linlis:
        w = await flows(linli, db_url, f"w{linli.name[-1]}", 0, args.warmup)
        await floor_run(len(w.run.latencies))
        print(f"warm-up {linli.name}: {args.warmup} flows, {len(w.run.latencies)} "
              f"messages, {w.run.rate:.0f} msg/s", flush=True)
    print("\n" + HEADER, flush=True)
    for rnd in range(1, args.rounds + 1):
        f = None
        for linli, db_url in linlis:
            li = await flows(linli, db_url, f"r{rnd}{linli.name[-1]}",
                             args.warmup + (rnd - 1) * args.residents, args.residents)
            if f is None:  # the floor answers as many messages as the first linli's run
                f = await floor_run(len(li.run.latencies))
            pairs[linli.name].append((f, li.run))
            ratio = li.run.rate / f.rate if f.rate else float("nan")
            label = str(rnd) if linli is linlis[0][0] else f"{rnd}-B"
            print(f"{label:>5} | {_cols(f)} | {_cols(li.run)} | {ratio:5.2f} | "
                  f"{len(li.run.latencies):5d} {li.cases:5d} {li.dup_offers:3d}", flush=True)


def _summaries(pairs: dict[str, list[tuple[RunResult, RunResult]]]) -> None:
    for name, runs in pairs.items():
        _summary(name, runs)
    names = list(pairs)
    for name in names[1:]:
        print("\n" + paired_difference(
            f"{names[0]} against {name}", [(li.rate, li.cpu_ms) for _, li in pairs[names[0]]],
            [(li.rate, li.cpu_ms) for _, li in pairs[name]]))


def _summary(name: str, pairs: list[tuple[RunResult, RunResult]]) -> None:
    ratio = statistics.median(li.rate / f.rate for f, li in pairs if f.rate)
    p99 = statistics.median(li.pct(99) for _, li in pairs)
    print(f"\n{name} median over {len(pairs)} rounds: floor "
          f"{statistics.median(f.rate for f, _ in pairs):.0f} msg/s, {name} "
          f"{statistics.median(li.rate for _, li in pairs):.0f} msg/s, ratio {ratio:.3f} "
          f"(target >= {RATIO_TARGET}: {'met' if ratio >= RATIO_TARGET else 'MISSED'}), "
          f"{name} p99 {p99:.1f} ms (target < {P99_TARGET_MS:.0f} ms: "
          f"{'met' if p99 < P99_TARGET_MS else 'MISSED'}); server CPU per message: floor "
          f"{statistics.median(f.cpu_ms for f, _ in pairs):.3f} ms, {name} "
          f"{statistics.median(li.cpu_ms for _, li in pairs):.3f} ms")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.report_bench",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--residents", type=int, default=300, help="flows per round (default 300)")
    p.add_argument("--warmup", type=int, default=100, help="unmeasured flows first (default 100)")
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--pg-admin-url", default=os.environ.get(
        "LINLI_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    p.add_argument("--redis-url", default=os.environ.get(
        "LINLI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    p.add_argument("--keep-logs", action="store_true")
    p.add_argument("--per-step", type=int, default=0, metavar="N",
                   help="afterwards, N more flows step by step (every photo, then every "
                        "place...), the server's CPU per message of each step printed (a "
                        "diagnostic: no target)")
    p.add_argument("--sandbox", choices=("process", "in-process"), default="process",
                   help="where the WeChat sandbox runs: a `linli sandbox` process of its own "
                        "(default; WeChat's side is not linli's work) or inside linli serve "
                        "(how the figures before 2026-12-07 were taken)")
    add_variant_args(p)
    args = p.parse_args(argv)
    if min(args.rounds, args.residents, args.warmup, args.connections) < 1:
        p.error("--rounds, --residents, --warmup and --connections must be at least 1")
    return args


def _prepare(cli: list[str], env: dict[str, str], cwd: Path) -> None:
    for command in ("migrate", "demo-data"):
        done = subprocess.run([*cli, command], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"linli {command} failed:\n{done.stdout}{done.stderr}")


def _start_linli(args: argparse.Namespace, name: str, cli: list[str], env: dict[str, str],
                 workdir: Path, cwd: Path, servers: list[Server],
                 sandboxes: dict[str, Server]) -> Server:
    """``linli serve`` (after migrate and demo-data) and, unless ``--sandbox in-process``, the
    WeChat sandbox as a process of its own: WeChat's servers are not linli's work."""
    if args.sandbox == "process":
        port = free_port()
        sandbox = start_server(f"sandbox-{name}", [*cli, "sandbox", "--port", str(port)],
                               port, env, workdir, cwd=cwd)
        servers.append(sandbox)
        sandboxes[name] = sandbox
        env = {**env, "LINLI_WECHAT_API_BASE": sandbox.base,
               "LINLI_WECHAT_SECRET": SANDBOX_SECRET, "LINLI_WECHAT_TOKEN": SANDBOX_TOKEN,
               "LINLI_WECHAT_APPID": SANDBOX_APPID}
    _prepare(cli, env, cwd)
    port = free_port()
    server = start_server(name, [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
                          port, env, workdir, cwd=cwd)
    servers.append(server)
    return server


def _env_b(args: argparse.Namespace, env: dict[str, str], workdir: Path, db_b: str,
           prefix_b: str) -> dict[str, str]:
    """linli-B's (``--compare`` / ``--compare-root``): a database, Redis prefix and media
    directory of its own, so neither server's sweeps do the other's work."""
    return variant_env({**env, "LINLI_DATABASE_URL": db_b, "LINLI_REDIS_PREFIX": prefix_b,
                        "LINLI_MEDIA_DIR": str(workdir / "media-b")}, args)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="linli-report-bench-"))
    prefix = f"linli_bench_{uuid.uuid4().hex[:12]}:"
    prefix_b = f"linli_bench_{uuid.uuid4().hex[:12]}:"
    db_url = db_b = None
    servers: list[Server] = []
    status = 1
    variant = bool(args.compare or args.compare_root)
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
          f"client and both servers share them", flush=True)
    try:
        db_url = asyncio.run(create_database(args.pg_admin_url))
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
        env.update({"LINLI_DATABASE_URL": db_url, "LINLI_REDIS_URL": args.redis_url,
                    "LINLI_REDIS_PREFIX": prefix, "LINLI_MEDIA_DIR": str(workdir / "media"),
                    "LINLI_EVENT_LOOP": linli_loop(args), "PYTHONUNBUFFERED": "1"})
        cli = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
        print(f"linli: postgres ({db_url.split('@')[-1]}), redis {args.redis_url} prefix "
              f"{prefix}; demo data loaded", flush=True)
        print(f"load: {args.connections} connections, {args.residents} residents per round "
              f"(+{args.warmup} warm-up), {args.rounds} paired rounds (linli, then the floor "
              f"with as many messages)", flush=True)
        print(describe_variants(args), flush=True)
        print("WeChat sandbox: " + ("a `linli sandbox` process of its own per linli"
                                    if args.sandbox == "process"
                                    else "inside linli serve (its CPU counts as linli's)"),
              flush=True)
        floor_port = free_port()
        floor = start_server("floor", [sys.executable, "-m", "benchmarks.floor_server",
                                       "--port", str(floor_port), "--loop", floor_loop(args)],
                             floor_port, env, workdir)
        servers.append(floor)
        sandboxes: dict[str, Server] = {}
        linlis = [(_start_linli(args, "linli", cli, env, workdir, ROOT, servers, sandboxes),
                   db_url)]
        if variant:
            db_b = asyncio.run(create_database(args.pg_admin_url))
            env_b = _env_b(args, env, workdir, db_b, prefix_b)
            linlis.append((_start_linli(args, "linli-B", cli, env_b, workdir,
                                        args.compare_root or ROOT, servers, sandboxes), db_b))
        print("servers: " + ", ".join(f"{s.name} pid {s.proc.pid}" for s in servers),
              flush=True)
        status = asyncio.run(bench(args, floor, linlis, sandboxes))
    finally:
        clean_up(servers, args.pg_admin_url, db_url, args.redis_url, prefix, workdir,
                 args.keep_logs or status != 0)
        if db_b is not None:
            asyncio.run(drop_database(args.pg_admin_url, db_b))
            asyncio.run(delete_redis_keys(args.redis_url, prefix_b))
    return status


if __name__ == "__main__":
    sys.exit(main())
