"""Outbox delivery benchmark: pushes/s of one process against the sandbox with added latency.

    .venv/bin/python -m benchmarks.outbox_bench [--messages 5000] [--people 1000]
        [--latency 0.1] [--concurrency 100] [--rounds 3] [--database postgres|sqlite]

The WeChat sandbox runs as a real HTTP server in a process of its own, answering every call
after ``--latency`` seconds (``SandboxState.latency``); every person wrote to the account, so
each push goes out as a customer-service message. The access_token is cached in real Redis
(``--redis-url``, a unique key prefix deleted afterwards), as in production. This process fills the outbox (not
measured), then runs ``handlers.outbox.deliver_due`` sweeps back to back until nothing is
due, as the scheduler would (claim, send, mark sent; ``--concurrency`` sends in flight), and
prints pushes/s. The sweep gets the Redis store, as the scheduler's does (it checks who is
chatting right now: nobody is here, so every push goes by customer service). Afterwards it checks that the sandbox received each message exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import sys
import time
import uuid

import aiohttp
import asyncpg

from benchmarks.daytime import at_daytime, refuse
from bot.config import SANDBOX_APPID, SANDBOX_SECRET
from bot.wechat.client import WeChatClient
from bot.wechat.messenger import WeChatMessenger
from handlers import outbox
from storage import clock
from storage.core.models import OutboxMessage, OutboxStatus
from storage.db import close_db, init_db, migrate
from storage.kv import KV, create_redis

PG_ADMIN = os.environ.get("LINLI_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def _sandbox(port: int, people: int, latency: float) -> None:
    from aiohttp import web

    from bot.sandbox import SandboxState, create_sandbox_app

    state = SandboxState(SANDBOX_APPID, SANDBOX_SECRET, cs_limit=10**9, latency=latency)
    for i in range(people):
        state.observe_inbound(f"bench-{i}")
    web.run_app(create_sandbox_app(state), host="127.0.0.1", port=port, print=None,
                access_log=None)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _pg_database(create: bool, url: str = "") -> str:
    conn = await asyncpg.connect(PG_ADMIN.replace("postgres://", "postgresql://"))
    try:
        if create:
            url = f"{PG_ADMIN.rsplit('/', 1)[0]}/linli_outbox_bench_{uuid.uuid4().hex[:8]}"
            await conn.execute(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"')
        else:
            await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()
    return url


async def _fill(round_no: int, messages: int, people: int) -> None:
    now = clock.now()
    await OutboxMessage.bulk_create([
        OutboxMessage(key=f"bench:{round_no}:{i}", openid=f"bench-{i % people}", kind="text",
                      payload={"text": f"您反映的问题 A{i} 已受理"}, next_attempt_at=now)
        for i in range(messages)], batch_size=1000)


async def _run(args: argparse.Namespace, db_url: str, base: str) -> bool:
    await init_db(db_url)
    at_daytime()  # non-urgent pushes are held 22:00-07:00 Shanghai time
    kv = KV(create_redis(args.redis_url or None), f"linli-outbox-bench-{uuid.uuid4().hex[:8]}:")
    ok = True
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        messenger = WeChatMessenger(WeChatClient(http, kv, SANDBOX_APPID, SANDBOX_SECRET, base))
        await messenger._client.access_token()
        print(f"{'round':>5} {'pushes':>7} {'seconds':>8} {'pushes/s':>9} {'sweeps':>6}")
        for r in range(1, args.rounds + 1):
            await _fill(r, args.messages, args.people)
            started, sweeps, sent = time.perf_counter(), 0, 0
            while True:
                result = await outbox.deliver_due(messenger, limit=args.limit, kv=kv,
                                                  concurrency=args.concurrency)
                sweeps += 1
                sent += result.sent
                if result.sent + result.retried + result.held + result.failed == 0:
                    break
            elapsed = time.perf_counter() - started
            if sent != args.messages:
                refuse(f"round {r}", sent, args.messages)
                ok = False
                continue
            print(f"{r:>5} {sent:>7} {elapsed:>8.2f} {sent / elapsed:>9.0f} {sweeps:>6}")
        async with http.get(f"{base}/_sandbox/messages", params={"openid": "bench-0"}) as resp:
            received = (await resp.json())["last"]
    pending = await OutboxMessage.exclude(status=OutboxStatus.SENT).count()
    print(f"sandbox received {received} (expected {args.messages * args.rounds}), "
          f"rows not sent: {pending}")
    await close_db()
    async for key in kv.redis.scan_iter(match=f"{kv.prefix}*"):
        await kv.redis.delete(key)
    await kv.close()
    return ok and pending == 0 and received == args.messages * args.rounds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--messages", type=int, default=5000, help="pushes per round")
    p.add_argument("--people", type=int, default=1000)
    p.add_argument("--latency", type=float, default=0.1, help="sandbox seconds per call")
    p.add_argument("--concurrency", type=int, default=outbox.CONCURRENCY)
    p.add_argument("--limit", type=int, default=5000, help="rows per sweep (deliver_due's default)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/0",
                   help="where the access_token is cached (empty: in-process emulation)")
    args = p.parse_args()
    port = _port()
    server = multiprocessing.get_context("spawn").Process(
        target=_sandbox, args=(port, args.people, args.latency), daemon=True)
    server.start()
    if args.database == "postgres":
        db_url = asyncio.run(_pg_database(True))
    else:
        db_url = f"sqlite:///tmp/linli_outbox_bench_{uuid.uuid4().hex[:8]}.sqlite3"
    try:
        asyncio.run(migrate(db_url))
        time.sleep(0.5)
        print(f"outbox delivery: {args.database}, sandbox latency {args.latency * 1000:.0f} ms, "
              f"concurrency {args.concurrency}, {args.messages} pushes x {args.rounds} rounds")
        ok = asyncio.run(_run(args, db_url, f"http://127.0.0.1:{port}"))
    finally:
        server.terminate()
        if args.database == "postgres":
            asyncio.run(_pg_database(False, db_url))
        else:
            os.unlink(db_url.removeprefix("sqlite://"))
    if not ok:
        print("outbox benchmark FAILED: see the lines above", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
