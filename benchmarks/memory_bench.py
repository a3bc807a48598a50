"""Memory benchmark: the resident set of one ``linli serve`` process after 2,000 people.

    .venv/bin/python -m benchmarks.memory_bench [--people 2000] [--reporters 200]
        [--connections 20] [--breakdown]

Database, Redis and server are set up as in ``benchmarks.report_bench`` (whose helpers this
imports): a PostgreSQL database and a Redis key prefix of its own, ``linli migrate`` and
``linli demo-data``, then one ``linli serve`` process in sandbox mode.

The server's VmRSS is read from ``/proc/<pid>/status`` once it is up and warmed (one 帮助
answered and the RSS steady, so that the classifier's dictionary is loaded), then after every
one of ``--people`` distinct openids has followed the account (a subscribe event) and sent
帮助, and ``--reporters`` of them have gone through a whole 随手拍 report (photo, location,
description, category, 确认). Every reply is checked and the cases are counted in the database;
the figures are printed only when all the work was done (exit status 1 otherwise).

``--breakdown`` instead measures, in fresh interpreters, the VmRSS after importing each large
library in the order the server does, then the server's modules, then the classifier built:
what the resident set is made of.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from benchmarks.report_bench import (
    DESCRIPTIONS,
    FlowResult,
    count_cases,
    place,
    post,
    resident_flow,
    upload_photos,
)
from benchmarks.webhook_bench import (
    ROOT,
    RunResult,
    Server,
    clean_up,
    create_database,
    free_port,
    start_server,
    tail,
    wait_healthy,
)
from bot import callbacks
from handlers import texts

TARGET_MB = 150.0
FOLLOW_REPLY = texts.WELCOME.splitlines()[0]
HELP_REPLY = texts.MENU_RESIDENT
# Cumulative imports, in the order ``linli serve`` pulls them in (jieba and pypinyin the way
# linli imports them), then the whole app, then the classifier's dictionary (``_warm_up``).
BREAKDOWN = ["handlers.categories.jieba_import", "pydantic", "shapely", "handlers.typos",
             "aiohttp", "tortoise", "wechatpy", "prometheus_client", "jinja2", "PIL", "bot.app",
             "classifier"]
PROBE = """
import importlib, sys
def rss():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
print(f"interpreter {rss():.1f}")
for name in sys.argv[1:]:
    if name == "classifier":
        from handlers.categories import classifier
        classifier.default_classifier()
    else:
        importlib.import_module(name)
    print(f"{name} {rss():.1f}")
"""


def status_mb(pid: int) -> dict[str, float]:
    """VmRSS, VmHWM, RssAnon and RssFile of a process, in MB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) / 1024
    return out


@dataclass
class Work:
    follows: int = 0
    helps: int = 0
    bad: list[str] = field(default_factory=list)


async def follow_and_help(session: aiohttp.ClientSession, base: str, openid: str,
                          work: Work) -> None:
    for xml, expect in ((callbacks.event(openid, "subscribe"), FOLLOW_REPLY),
                        (callbacks.text(openid, "帮助"), HELP_REPLY)):
        try:
            reply, _ = await post(session, base, openid, xml)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            work.bad.append(f"{openid}: {type(exc).__name__}: {exc}")
            return
        if expect not in (reply or ""):
            work.bad.append(f"{openid}: unexpected reply {(reply or '')[:80]!r}")
            return
        if expect is FOLLOW_REPLY:
            work.follows += 1
        else:
            work.helps += 1


async def steady_rss(pid: int, seconds: float = 1.0, timeout: float = 30.0) -> dict[str, float]:
    """The figures once VmRSS has not moved by more than 1 MB for ``seconds``."""
    deadline = time.monotonic() + timeout
    last = status_mb(pid)
    while time.monotonic() < deadline:
        await asyncio.sleep(seconds)
        now = status_mb(pid)
        if abs(now["VmRSS"] - last["VmRSS"]) < 1:
            return now
        last = now
    return last


async def bench(args: argparse.Namespace, linli: Server, db_url: str) -> int:
    connector = aiohttp.TCPConnector(limit=args.connections, limit_per_host=args.connections)
    tag = uuid.uuid4().hex[:6]
    people = [f"oMem{tag}{k:05d}" for k in range(args.people)]
    reporters = people[::max(1, args.people // args.reporters)][:args.reporters]
    pid = linli.proc.pid
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=60)) as session:
        await wait_healthy(session, linli)
        warm = Work()
        await follow_and_help(session, linli.base, f"oMem{tag}warm", warm)
        before = await steady_rss(pid)
        photos = await upload_photos(session, linli.base, len(reporters))
        work, flows = Work(), FlowResult(RunResult(sent=0, seconds=0.0, latencies=[]))
        queue = list(reversed(people))
        report_of = {openid: k for k, openid in enumerate(reporters)}

        async def worker() -> None:
            while queue:
                openid = queue.pop()
                await follow_and_help(session, linli.base, openid, work)
                if (k := report_of.get(openid)) is not None:
                    lat, lng = place(k, len(reporters))
                    await resident_flow(session, linli.base, openid, photos[k], lat, lng,
                                        DESCRIPTIONS[k % len(DESCRIPTIONS)], flows)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.connections)))
        seconds = time.perf_counter() - started
        if linli.proc.poll() is not None:
            raise RuntimeError(f"linli died; see {linli.log}:\n{tail(linli.log)}")
        after = await steady_rss(pid)
    cases = await count_cases(db_url, reporters)
    print(f"work: {work.follows} follows and {work.helps} 帮助 answered for {args.people} "
          f"people, {flows.flows} reports ({cases} cases in the database) for "
          f"{len(reporters)} reporters, {work.helps + work.follows + flows.run.sent} messages "
          f"in {seconds:.1f} s", flush=True)
    problems = work.bad + flows.run.bad + warm.bad
    if not work.follows == work.helps == args.people:
        problems.append(f"{work.follows} follows, {work.helps} 帮助 of {args.people}")
    if not flows.flows == cases == len(reporters):
        problems.append(f"{flows.flows} reports, {cases} cases of {len(reporters)}")
    if problems:
        print(f"{len(problems)} problems, e.g. {problems[0]}\nno figures: the work was not done")
        return 1
    print(f"\nlinli serve (pid {pid}), MB    VmRSS  RssAnon  RssFile  VmHWM")
    for label, fig in (("started and warmed", before), (f"after {args.people} people", after)):
        print(f"{label:<28} {fig['VmRSS']:6.1f} {fig['RssAnon']:8.1f} {fig['RssFile']:8.1f} "
              f"{fig['VmHWM']:6.1f}")
    met = after["VmRSS"] < TARGET_MB
    print(f"\nVmRSS after {args.people} people: {after['VmRSS']:.1f} MB (target < "
          f"{TARGET_MB:.0f} MB: {'met' if met else 'MISSED'}); growth "
          f"{after['VmRSS'] - before['VmRSS']:+.1f} MB")
    return 0


def breakdown(env: dict[str, str]) -> int:
    """VmRSS after each import, cumulative, in a fresh interpreter (and each one alone)."""
    done = subprocess.run([sys.executable, "-c", PROBE, *BREAKDOWN], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        print(done.stderr)
        return 1
    rows = [line.rsplit(" ", 1) for line in done.stdout.split("\n") if line]
    print(f"{'step (cumulative)':<32} {'VmRSS MB':>8} {'added':>7}   alone (fresh interpreter)")
    previous = None
    for name, mb in rows:
        alone = ""
        if name != "interpreter":
            single = subprocess.run([sys.executable, "-c", PROBE, name], cwd=ROOT, env=env,
                                    capture_output=True, text=True, timeout=300)
            lines = single.stdout.split()
            alone = (f"{float(lines[-1]) - float(lines[1]):+.1f}" if single.returncode == 0
                     else "failed")
        added = "" if previous is None else f"{float(mb) - previous:+.1f}"
        print(f"{name:<32} {float(mb):8.1f} {added:>7}   {alone}")
        previous = float(mb)
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.memory_bench",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--people", type=int, default=2000)
    p.add_argument("--reporters", type=int, default=200,
                   help="how many of the people also report a case (default 200)")
    p.add_argument("--connections", type=int, default=20)
    p.add_argument("--breakdown", action="store_true",
                   help="measure what the resident set is made of instead")
    p.add_argument("--pg-admin-url", default=os.environ.get(
        "LINLI_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    p.add_argument("--redis-url", default=os.environ.get(
        "LINLI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    p.add_argument("--keep-logs", action="store_true")
    args = p.parse_args(argv)
    if min(args.people, args.reporters, args.connections) < 1 or args.reporters > args.people:
        p.error("--people, --reporters and --connections must be at least 1, "
                "and --reporters at most --people")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}", flush=True)
    if args.breakdown:
        return breakdown(env)
    workdir = Path(tempfile.mkdtemp(prefix="linli-memory-bench-"))
    prefix = f"linli_bench_{uuid.uuid4().hex[:12]}:"
    db_url = None
    server: Server | None = None
    status = 1
    try:
        db_url = asyncio.run(create_database(args.pg_admin_url))
        env.update({"LINLI_DATABASE_URL": db_url, "LINLI_REDIS_URL": args.redis_url,
                    "LINLI_REDIS_PREFIX": prefix, "LINLI_MEDIA_DIR": str(workdir / "media"),
                    "PYTHONUNBUFFERED": "1"})
        cli = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
        for command in ("migrate", "demo-data"):
            done = subprocess.run([*cli, command], cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=180)
            if done.returncode != 0:
                raise RuntimeError(f"linli {command} failed:\n{done.stdout}{done.stderr}")
        port = free_port()
        server = start_server("linli", [*cli, "serve", "--host", "127.0.0.1", "--port",
                                        str(port)], port, env, workdir)
        print(f"linli serve pid {server.proc.pid}: postgres ({db_url.split('@')[-1]}), redis "
              f"prefix {prefix}; {args.people} people, {args.reporters} of them reporting, "
              f"{args.connections} connections", flush=True)
        status = asyncio.run(bench(args, server, db_url))
    finally:
        clean_up([server] if server is not None else [], args.pg_admin_url, db_url,
                 args.redis_url, prefix, workdir, args.keep_logs or status != 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
