"""Webhook benchmark: the full linli pipeline against a floor server, in paired rounds.

    .venv/bin/python -m benchmarks.webhook_bench [--rounds 5] [--messages 10000]
        [--connections 50] [--database postgres|sqlite] [--mode plain|aes|both]

Starts two servers as separate processes on 127.0.0.1 (three with ``--workers`` > 1, when the
WeChat sandbox, which cannot be shared between workers, runs as a process of its own):

* the floor (``benchmarks/floor_server.py``): aiohttp + wechatpy check_signature, parse_message,
  an echo TextReply (+ WeChatCrypto in AES mode) and nothing else;
* linli itself: ``linli migrate`` then ``linli serve`` in sandbox mode on PostgreSQL (a database
  this script creates and drops) or SQLite (a temporary file), and real Redis under a unique key
  prefix (deleted afterwards).

A load generator in this process (one aiohttp client, ``--connections`` keep-alive connections)
posts signed WeChat text callbacks, each with a unique MsgId, from ``--people`` distinct openids,
carrying ``帮助``: a text command that goes through the whole pipeline (signature, parse, dedup
claim, per-person lock, person row, state load/save, routing, reply, dedup remember). Every
reply is checked afterwards (HTTP 200, addressed to the sender, the right text; decrypted and
signature-checked in AES mode). Request bodies are built before, and replies checked after,
each measured run so the client spends its CPU on HTTP only.

Each round runs the floor, then linli, in each mode. It prints figures; it asserts none.
The exit status is non-zero only if a reply was wrong or a server failed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import asyncpg
import redis.asyncio as aioredis
from yarl import URL

from bot import callbacks, loops
from bot.config import SANDBOX_APPID, SANDBOX_SECRET, SANDBOX_TOKEN
from bot.sandbox import MESSAGES_PATH
from bot.signing import MessageCrypto
from bot.xmlsafe import parse_fields
from handlers import texts

ROOT = Path(__file__).resolve().parents[1]
# With --workers > 1 the in-process sandbox cannot be shared, so it runs as its own process.
SANDBOX_SERVER = (
    "import sys; from aiohttp import web; from bot.sandbox import SandboxState, "
    "create_sandbox_app; web.run_app(create_sandbox_app(SandboxState(appid=sys.argv[1], "
    "secret=sys.argv[2])), host='127.0.0.1', port=int(sys.argv[3]), print=None, "
    "access_log=None)"
)
COMMAND = "帮助"
LINLI_REPLY = texts.MENU_RESIDENT  # what a resident is told for 帮助
FLOOR_REPLY = COMMAND  # the floor echoes the text back
RATIO_TARGET = 0.35  # issue 17: as fast, relative to the floor, as a stateless peer framework


# ---------------------------------------------------------------- load generation


@dataclass
class Request:
    url: URL
    body: bytes
    openid: str


@dataclass
class RunResult:
    sent: int
    seconds: float
    latencies: list[float]  # seconds, for the replies that came back
    bad: list[str] = field(default_factory=list)
    server_cpu: float | None = None  # CPU seconds the server process used during the run
    client_cpu: float = 0.0  # CPU seconds this (load-generating) process used

    @property
    def cpu_ms(self) -> float:
        """Server CPU milliseconds per message (its own process; not Redis or PostgreSQL)."""
        if self.server_cpu is None or not self.latencies:
            return float("nan")
        return self.server_cpu * 1000 / len(self.latencies)

    @property
    def client_cpu_ms(self) -> float:
        return self.client_cpu * 1000 / len(self.latencies) if self.latencies else float("nan")

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        """The q-th percentile in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        index = min(len(data) - 1, max(0, math.ceil(q / 100 * len(data)) - 1))
        return data[index] * 1000


def build_requests(base: str, n: int, people: list[str], crypto: MessageCrypto | None,
                   start: int) -> list[Request]:
    """n signed callbacks; message i comes from person (start + i) % len(people).

    Consecutive messages come from different people, so with more people than connections
    no two messages in flight belong to one person (a person does not type that fast), and
    the per-person lock is taken and released but never waited for.
    """
    out = []
    for i in range(n):
        openid = people[(start + i) % len(people)]
        query = callbacks.signed_query(SANDBOX_TOKEN, openid,
                                       nonce=str(secrets.randbelow(10**10)))
        xml = callbacks.text(openid, COMMAND, msg_id=callbacks.next_msg_id())
        body = xml
        if crypto is not None:
            body, query = callbacks.encrypted(crypto, xml, query)
        out.append(Request(URL(f"{base}/wechat?{urlencode(query)}", encoded=True),
                           body.encode(), openid))
    return out


async def run_load(session: aiohttp.ClientSession, requests: list[Request], connections: int,
                   max_seconds: float, expected: str, crypto: MessageCrypto | None) -> RunResult:
    """Send every request over ``connections`` concurrent keep-alive connections, or stop at
    ``max_seconds``; then check every reply."""
    replies: list[tuple[int, int, bytes, float]] = []  # (index, status, body, latency)
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
                async with session.post(req.url, data=req.body,
                                        headers={"Content-Type": "text/xml"}) as resp:
                    body = await resp.read()
                    status = resp.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                errors.append(f"message {index}: {type(exc).__name__}: {exc}")
                continue
            replies.append((index, status, body, time.perf_counter() - t0))

    await asyncio.gather(*(worker() for _ in range(connections)))
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - cpu_started
    bad = errors + [problem for index, status, body, _ in replies
                    if (problem := check_reply(requests[index], status, body, expected, crypto))]
    good = [lat for index, status, body, lat in replies if status == 200]
    return RunResult(sent=position, seconds=seconds, latencies=good, bad=bad,
                     client_cpu=client_cpu)


def check_reply(req: Request, status: int, body: bytes, expected: str,
                crypto: MessageCrypto | None) -> str | None:
    if status != 200:
        return f"HTTP {status}: {body[:200]!r}"
    try:
        fields = parse_fields(body)
        if crypto is not None:
            if "Encrypt" not in fields:
                return f"AES request got a plaintext reply: {body[:200]!r}"
            xml, _ = crypto.decrypt(fields["Encrypt"], fields["MsgSignature"],
                                    fields["TimeStamp"], fields["Nonce"])
            fields = parse_fields(xml)
    except Exception as exc:  # any failure to read the reply makes it a wrong reply
        return f"unreadable reply ({type(exc).__name__}: {exc}): {body[:200]!r}"
    if fields.get("ToUserName") != req.openid:
        return f"reply addressed to {fields.get('ToUserName')!r}, not {req.openid!r}"
    if fields.get("MsgType") != "text" or fields.get("Content") != expected:
        return f"unexpected reply: {fields.get('Content', '')[:80]!r}"
    return None


# ---------------------------------------------------------------- servers


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its live children so far (Linux /proc);
    None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += cpu_seconds(int(child)) or 0.0
        return total
    except (OSError, ValueError, IndexError):
        return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    base: str
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def start_server(name: str, argv: list[str], port: int, env: dict[str, str], logdir: Path,
                 cwd: Path = ROOT) -> Server:
    log = logdir / f"{name}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    return Server(name, proc, f"http://127.0.0.1:{port}", log)


async def wait_healthy(session: aiohttp.ClientSession, server: Server, timeout: float = 60,
                       path: str = "/healthz") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode}; "
                               f"see {server.log}:\n{tail(server.log)}")
        try:
            async with session.get(f"{server.base}{path}") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{server.name} did not become healthy in {timeout:.0f} s; "
                       f"see {server.log}:\n{tail(server.log)}")


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


async def create_database(admin_url: str) -> str:
    name = f"linli_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


async def drop_database(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def delete_redis_keys(redis_url: str, prefix: str) -> int:
    client = aioredis.from_url(redis_url)
    deleted = 0
    try:
        batch: list[bytes] = []
        async for key in client.scan_iter(match=f"{prefix}*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                deleted += await client.unlink(*batch)
                batch = []
        if batch:
            deleted += await client.unlink(*batch)
    finally:
        await client.aclose()
    return deleted


def clean_up(servers: list[Server], admin_url: str, db_url: str | None, redis_url: str,
             prefix: str, workdir: Path, keep_logs: bool) -> None:
    """Stop the servers (last started first), drop the database and the Redis keys, and remove
    the logs unless they are wanted (``keep_logs``: asked for, or the run failed)."""
    for server in reversed(servers):
        server.stop()
    if db_url is not None:
        asyncio.run(drop_database(admin_url, db_url))
    asyncio.run(delete_redis_keys(redis_url, prefix))
    if keep_logs:
        print(f"server logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------- variants


def add_loop_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--loop", choices=("uvloop", "asyncio"), default=None,
                   help="linli's event loop (LINLI_EVENT_LOOP; default: linli's own default, "
                        "uvloop where installed)")
    p.add_argument("--floor-loop", choices=("same", "uvloop", "asyncio"), default="same",
                   help="the floor's event loop (default: the same as linli's)")


def add_variant_args(p: argparse.ArgumentParser) -> None:
    add_loop_args(p)
    p.add_argument("--compare", metavar="KEY=VALUE[,KEY=VALUE]", type=_env_pairs, default=None,
                   help="also run a second linli server ('linli-B') with these environment "
                        "variables changed, in every round, right after the first "
                        "(e.g. LINLI_EVENT_LOOP=asyncio)")
    p.add_argument("--compare-root", metavar="DIR", type=Path, default=None,
                   help="run linli-B from the code in DIR (another checkout: `git worktree add "
                        "/tmp/before REV`) - a before/after pair in the same rounds")


def _env_pairs(text: str) -> dict[str, str]:
    pairs = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {item!r}")
        pairs[key.strip()] = value.strip()
    return pairs


def linli_loop(args: argparse.Namespace) -> str:
    return args.loop or loops.default()


def floor_loop(args: argparse.Namespace) -> str:
    return linli_loop(args) if args.floor_loop == "same" else args.floor_loop


def variant_env(env: dict[str, str], args: argparse.Namespace) -> dict[str, str]:
    """linli-B's environment: linli's with ``--compare``'s changes."""
    return {**env, **(args.compare or {})}


def describe_variants(args: argparse.Namespace) -> str:
    """The event loops (and linli-B's difference, if any), printed next to the figures."""
    line = (f"event loops: linli {linli_loop(args)}, floor {floor_loop(args)}"
            f"{' (the same, for fairness)' if floor_loop(args) == linli_loop(args) else ''}")
    if getattr(args, "compare", None) or getattr(args, "compare_root", None):
        changes = ", ".join(f"{k}={v}" for k, v in (args.compare or {}).items())
        line += (f"; linli-B = linli with {changes or 'the same settings'}"
                 + (f", code from {args.compare_root}" if args.compare_root else ""))
    return line


def start_variant(args: argparse.Namespace, cli: list[str], env: dict[str, str], workdir: Path,
                  extra: tuple[str, ...] = ()) -> list[Server]:
    """linli-B (``--compare``) as a server of its own, or nothing."""
    if not (args.compare or args.compare_root):
        return []
    port = free_port()
    return [start_server("linli-B", [*cli, "serve", "--host", "127.0.0.1", "--port", str(port),
                                     *extra], port, variant_env(env, args), workdir,
                         cwd=args.compare_root or ROOT)]


# ---------------------------------------------------------------- the run


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.webhook_bench",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5, help="paired rounds per mode (default 5)")
    p.add_argument("--messages", type=int, default=10000,
                   help="messages per server per run (default 10000)")
    p.add_argument("--max-seconds", type=float, default=6.0,
                   help="a run stops after this long even if messages remain (default 6)")
    p.add_argument("--warmup", type=int, default=1000,
                   help="unmeasured messages per server and mode first (default 1000)")
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--people", type=int, default=500, help="distinct openids (default 500)")
    p.add_argument("--workers", type=int, default=1,
                   help="linli serve --workers (processes sharing the port; default 1)")
    p.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    p.add_argument("--mode", choices=("plain", "aes", "both"), default="both")
    p.add_argument("--pg-admin-url", default=os.environ.get(
        "LINLI_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL URL allowed to CREATE and DROP DATABASE")
    p.add_argument("--database-params", default="",
                   help="query string added to linli's database URL, e.g. maxsize=20 "
                        "(tortoise's asyncpg pool size; its default is 5)")
    p.add_argument("--redis-url", default=os.environ.get(
        "LINLI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    p.add_argument("--keep-logs", action="store_true",
                   help="keep the servers' logs (their path is printed)")
    add_variant_args(p)
    args = p.parse_args(argv)
    if args.rounds < 1 or args.messages < 1 or args.connections < 1:
        p.error("--rounds, --messages and --connections must be at least 1")
    if not 0 < args.max_seconds <= 240:
        # The requests of a run are signed when it starts; linli refuses timestamps > 300 s old.
        p.error("--max-seconds must be between 0 and 240")
    if args.people <= args.connections:
        p.error("--people must exceed --connections (one person's messages are sequential)")
    return args


def _cols(r: RunResult) -> str:
    return (f"{r.rate:7.0f} {r.pct(50):6.1f} {r.pct(90):6.1f} {r.pct(99):6.1f} "
            f"{r.cpu_ms:6.3f}")


def fmt_row(mode: str, rnd: str, floor: RunResult, linli: RunResult) -> str:
    ratio = linli.rate / floor.rate if floor.rate else float("nan")
    return f"{mode:<5} {rnd:>5} | {_cols(floor)} | {_cols(linli)} | {ratio:5.2f}"


_SUB = f"{'msg/s':>7} {'p50':>6} {'p90':>6} {'p99':>6} {'cpu':>6}"
HEADER = (f"{'':11} | {'floor':^35} | {'linli':^35} |\n"
          f"{'mode':<5} {'round':>5} | {_SUB} | {_SUB} | ratio\n" + "-" * 95 + "\n"
          "(latencies in ms at the client; cpu = server process CPU ms per message)")


async def _measured(server: Server, run: Awaitable[RunResult]) -> RunResult:
    """A run's result with the CPU time the server spent on it."""
    cpu_before = cpu_seconds(server.proc.pid)
    result = await run
    cpu_after = cpu_seconds(server.proc.pid)
    if cpu_before is not None and cpu_after is not None:
        result.server_cpu = cpu_after - cpu_before
    return result


def paired_difference(label: str, a: list[tuple[float, float]], b: list[tuple[float, float]]
                      ) -> str:
    """linli against linli-B round by round: (rate, CPU ms per message) pairs of the same
    rounds. Medians of each side hide a steady few per cent under the rounds' spread; the
    per-round difference does not (the rounds share the machine's state)."""
    cpu = [x[1] / y[1] - 1 for x, y in zip(a, b, strict=True) if y[1]]
    rate = [x[0] / y[0] - 1 for x, y in zip(a, b, strict=True) if y[0]]
    if not cpu or not rate:
        return f"{label}: no paired rounds"
    return (f"{label}, paired round by round: server CPU per message "
            f"{statistics.mean(cpu) * 100:+.1f}% mean, {statistics.median(cpu) * 100:+.1f}% "
            f"median (lower in {sum(x < 0 for x in cpu)} of {len(cpu)} rounds); rate "
            f"{statistics.mean(rate) * 100:+.1f}% mean, {statistics.median(rate) * 100:+.1f}% "
            f"median")


def _print_medians(modes: list[str], names: list[str],
                   results: dict[tuple[str, str], list[tuple[RunResult, RunResult]]]) -> None:
    print()
    for mode in modes:
        for name in names:
            pairs = results[(mode, name)]
            ratios = [li.rate / f.rate for f, li in pairs if f.rate]
            ratio = statistics.median(ratios)
            p99 = statistics.median(li.pct(99) for _, li in pairs)
            floor_rate = statistics.median(f.rate for f, _ in pairs)
            linli_rate = statistics.median(li.rate for _, li in pairs)
            floor_cpu = statistics.median(f.cpu_ms for f, _ in pairs)
            linli_cpu = statistics.median(li.cpu_ms for _, li in pairs)
            client_floor = statistics.median(f.client_cpu_ms for f, _ in pairs)
            client_linli = statistics.median(li.client_cpu_ms for _, li in pairs)
            print(f"{mode:<5} {name} median over {len(pairs)} rounds: floor {floor_rate:.0f} "
                  f"msg/s, {name} {linli_rate:.0f} msg/s, ratio {ratio:.2f} "
                  f"(target >= {RATIO_TARGET}: {'met' if ratio >= RATIO_TARGET else 'MISSED'}), "
                  f"{name} p99 {p99:.1f} ms; server CPU per message: floor {floor_cpu:.3f} ms, "
                  f"{name} {linli_cpu:.3f} ms; load generator CPU per message: "
                  f"{client_floor:.3f} ms (floor runs), {client_linli:.3f} ms ({name} runs)")
        if len(names) > 1:
            first = [(li.rate, li.cpu_ms) for _, li in results[(mode, names[0])]]
            for name in names[1:]:
                other = [(li.rate, li.cpu_ms) for _, li in results[(mode, name)]]
                print(f"{mode:<5} " + paired_difference(f"{names[0]} against {name}", first,
                                                        other))


async def _warm_up(one, modes: list[str], servers: list[Server], n: int) -> None:
    t0 = time.perf_counter()
    for mode in modes:
        for server in servers:
            w = await one(server, mode, n, 60)
            print(f"warm-up {server.name:<7} {mode:<5}: {len(w.latencies)} messages, "
                  f"{w.rate:.0f} msg/s", flush=True)
    print(f"warm-up done in {time.perf_counter() - t0:.1f} s\n", flush=True)


async def bench(args: argparse.Namespace, floor: Server, linlis: list[Server],
                crypto: MessageCrypto, sandbox: Server | None = None) -> int:
    modes = ["plain", "aes"] if args.mode == "both" else [args.mode]
    people = [f"oLinliBench{secrets.token_hex(4)}{k:05d}" for k in range(args.people)]
    connector = aiohttp.TCPConnector(limit=args.connections, limit_per_host=args.connections)
    timeout = aiohttp.ClientTimeout(total=30)
    failures = 0
    names = [server.name for server in linlis]
    results: dict[tuple[str, str], list[tuple[RunResult, RunResult]]] = {
        (m, n): [] for m in modes for n in names}
    cursor = 0
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await wait_healthy(session, floor)
        if sandbox is not None:
            await wait_healthy(session, sandbox, path=f"{MESSAGES_PATH}?openid=probe")
        for linli in linlis:
            await wait_healthy(session, linli)

        async def one(server: Server, mode: str, n: int, limit: float) -> RunResult:
            nonlocal cursor, failures
            c = crypto if mode == "aes" else None
            reqs = build_requests(server.base, n, people, c, cursor)
            cursor += n
            expected = FLOOR_REPLY if server is floor else LINLI_REPLY
            result = await _measured(server, run_load(session, reqs, args.connections, limit,
                                                      expected, c))
            if result.bad:
                failures += len(result.bad)
                print(f"  ! {server.name} {mode}: {len(result.bad)} bad replies, e.g. "
                      f"{result.bad[0]}", flush=True)
            if server.proc.poll() is not None:
                raise RuntimeError(f"{server.name} died; see {server.log}:\n{tail(server.log)}")
            return result

        await _warm_up(one, modes, [floor, *linlis], args.warmup)
        print(HEADER, flush=True)
        for rnd in range(1, args.rounds + 1):
            for mode in modes:
                f = await one(floor, mode, args.messages, args.max_seconds)
                for linli in linlis:
                    li = await one(linli, mode, args.messages, args.max_seconds)
                    results[(mode, linli.name)].append((f, li))
                    label = str(rnd) if linli is linlis[0] else f"{rnd}{linli.name[-2:]}"
                    print(fmt_row(mode, label, f, li), flush=True)

    _print_medians(modes, names, results)
    if failures:
        print(f"\n{failures} wrong or missing replies: the figures above are not valid")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    aes_key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    crypto = MessageCrypto(SANDBOX_TOKEN, SANDBOX_APPID, [aes_key])
    prefix = f"linli_bench_{uuid.uuid4().hex[:12]}:"
    db_url = None
    servers: list[Server] = []
    status = 1
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
          f"client and both servers share them", flush=True)
    try:
        if args.database == "postgres":
            db_url = asyncio.run(create_database(args.pg_admin_url))
            database_url = db_url + (f"?{args.database_params}" if args.database_params else "")
        else:
            database_url = f"sqlite://{workdir}/linli.sqlite3"
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
        env.update({
            "LINLI_DATABASE_URL": database_url,
            "LINLI_REDIS_URL": args.redis_url,
            "LINLI_REDIS_PREFIX": prefix,
            "LINLI_WECHAT_AES_KEY": aes_key,
            "LINLI_MEDIA_DIR": str(workdir / "media"),
            "LINLI_EVENT_LOOP": linli_loop(args),
            "PYTHONUNBUFFERED": "1",
        })
        linli_cli = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
        try:
            migrated = subprocess.run([*linli_cli, "migrate"], cwd=ROOT, env=env,
                                      capture_output=True, text=True, timeout=180)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"linli migrate did not finish in 180 s:\n"
                               f"{exc.stdout or ''}{exc.stderr or ''}") from None
        if migrated.returncode != 0:
            raise RuntimeError(f"linli migrate failed:\n{migrated.stdout}{migrated.stderr}")
        print(f"linli: {args.database} ({database_url.split('@')[-1]}), "
              f"redis {args.redis_url} prefix {prefix}", flush=True)
        if args.workers > 1:
            print(f"linli serve --workers {args.workers}", flush=True)
        print(f"load: {args.connections} keep-alive connections, {args.people} people, "
              f"{args.messages} messages per run (at most {args.max_seconds:.0f} s), "
              f"text {COMMAND!r}, {args.rounds} paired rounds (floor, then linli)", flush=True)
        floor_port, linli_port = free_port(), free_port()
        floor = start_server(
            "floor", [sys.executable, "-m", "benchmarks.floor_server", "--port", str(floor_port),
                      "--aes-key", aes_key, "--loop", floor_loop(args)], floor_port, env, workdir)
        servers.append(floor)
        sandbox = None
        if args.workers > 1:
            sandbox_port = free_port()
            sandbox = start_server(
                "sandbox", [sys.executable, "-c", SANDBOX_SERVER, SANDBOX_APPID, SANDBOX_SECRET,
                            str(sandbox_port)], sandbox_port, env, workdir)
            servers.append(sandbox)
            env.update({"LINLI_WECHAT_API_BASE": sandbox.base, "LINLI_WECHAT_SECRET": SANDBOX_SECRET,
                        "LINLI_WECHAT_TOKEN": SANDBOX_TOKEN, "LINLI_WECHAT_APPID": SANDBOX_APPID})
        linli = start_server(
            "linli", [*linli_cli, "serve", "--host", "127.0.0.1", "--port", str(linli_port),
                      "--workers", str(args.workers)],
            linli_port, env, workdir)
        servers.append(linli)
        linlis = [linli, *start_variant(args, linli_cli, env, workdir,
                                        ("--workers", str(args.workers)))]
        servers.extend(linlis[1:])
        print(describe_variants(args), flush=True)
        print(f"servers: floor pid {floor.proc.pid} at {floor.base}, "
              f"linli pid {linli.proc.pid} at {linli.base} "
              f"(attach a profiler here, e.g. py-spy record --pid)"
              + "".join(f"; {b.name} pid {b.proc.pid} at {b.base}" for b in linlis[1:])
              + (f"; WeChat sandbox pid {sandbox.proc.pid} at {sandbox.base}" if sandbox else ""),
              flush=True)
        status = asyncio.run(bench(args, floor, linlis, crypto, sandbox))
    finally:
        for server in reversed(servers):
            server.stop()
        if db_url is not None:
            asyncio.run(drop_database(args.pg_admin_url, db_url))
        try:
            asyncio.run(delete_redis_keys(args.redis_url, prefix))
        except (OSError, aioredis.RedisError) as exc:
            print(f"could not delete Redis keys {prefix}*: {exc}", file=sys.stderr)
        if args.keep_logs or status != 0:
            print(f"server logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
