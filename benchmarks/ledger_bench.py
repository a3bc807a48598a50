"""Ledger benchmark: a redemption rush on the last units, and plain awards.

    .venv/bin/python -m benchmarks.ledger_bench [--attempts 1000] [--stock 100]
        [--pool 20] [--awards 2000] [--rounds 3] [--admin-url postgres://...]

Creates its own PostgreSQL database (``linli_ledger_bench_<pid>``) on the server of
``--admin-url`` (default postgres://postgres@127.0.0.1:5432/test), applies the migrations,
runs, and drops the database again. In-process, through the ``rewards`` API, on a tortoise
connection pool of ``--pool`` connections (``?minsize=..&maxsize=..`` in the URL).

Per round:

* **redemption rush**: a reward with ``--stock`` units and ``--attempts`` residents who can
  each afford it all call ``redeem`` at once (asyncio.gather). Reports attempts/s over the
  wall time of the whole rush, and checks there are exactly ``--stock`` winners.
* **uncontended awards**: one caller awarding points to ``--awards`` distinct people one
  after another (each a transaction with its entries and chain append). Reports awards/s.
* **concurrent awards**: the same number of awards with 50 in flight (they all serialise on
  the issuance account and the chain head). Reports awards/s.

After the rounds ``verify()`` must pass. It prints figures; it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

import asyncpg

from rewards import catalogue, ledger
from rewards.errors import OutOfStock
from rewards.redemption import redeem
from rewards.verify import verify
from storage.db import close_db, init_db, migrate

DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/test"


async def _admin(admin_url: str, sql: str) -> None:
    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def rush(round_no: int, attempts: int, stock: int) -> tuple[float, int]:
    reward = await catalogue.add_reward(f"bench-{round_no}", 10, stock)
    residents = [f"bench-r{round_no}-{i}" for i in range(attempts)]
    sem = asyncio.Semaphore(50)

    async def fund(openid: str) -> None:
        async with sem:
            await ledger.grant(openid, 10, "bench", f"bench:fund:{openid}")

    await asyncio.gather(*(fund(r) for r in residents))
    started = time.perf_counter()
    results = await asyncio.gather(
        *(redeem(r, reward.id, f"bench:{r}") for r in residents), return_exceptions=True
    )
    elapsed = time.perf_counter() - started
    winners = sum(1 for r in results if not isinstance(r, BaseException))
    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, OutOfStock)
    ]
    if unexpected:
        raise RuntimeError(f"unexpected failures: {unexpected[:3]!r}")
    return attempts / elapsed, winners


async def awards_sequential(round_no: int, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        await ledger.award(f"bench-a{round_no}-{i}", 1, f"bench:seq:{round_no}:{i}", "bench")
    return n / (time.perf_counter() - started)


async def awards_concurrent(round_no: int, n: int, in_flight: int = 50) -> float:
    sem = asyncio.Semaphore(in_flight)

    async def one(i: int) -> None:
        async with sem:
            await ledger.award(f"bench-c{round_no}-{i}", 1, f"bench:con:{round_no}:{i}", "bench")

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - started)


async def run(args: argparse.Namespace) -> int:
    name = f"linli_ledger_bench_{os.getpid()}"
    base = args.admin_url.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    await _admin(args.admin_url, f'CREATE DATABASE "{name}"')
    try:
        await migrate(url)
        await init_db(f"{url}?minsize={min(args.pool, 5)}&maxsize={args.pool}")
        rush_rates, seq_rates, con_rates = [], [], []
        ok = True
        for round_no in range(1, args.rounds + 1):
            rate, winners = await rush(round_no, args.attempts, args.stock)
            seq = await awards_sequential(round_no, args.awards)
            con = await awards_concurrent(round_no, args.awards)
            rush_rates.append(rate)
            seq_rates.append(seq)
            con_rates.append(con)
            ok &= winners == args.stock
            print(
                f"round {round_no}: redemption rush {rate:7.0f} attempts/s "
                f"({args.attempts} attempts, stock {args.stock}, {winners} winners) | "
                f"awards uncontended {seq:6.0f}/s | awards 50 in flight {con:6.0f}/s",
                flush=True,
            )
        report = await verify()
        print(
            f"median of {args.rounds}: redemption rush {statistics.median(rush_rates):.0f} "
            f"attempts/s, uncontended awards {statistics.median(seq_rates):.0f}/s, "
            f"concurrent awards {statistics.median(con_rates):.0f}/s"
        )
        print(
            f"verify: {'ok' if report.ok else report.problems[:5]} ({report.entries} entries, "
            f"{report.transfers} transfers); winners exactly {args.stock} every round: {ok}"
        )
        return 0 if ok and report.ok else 1
    finally:
        await close_db()
        await _admin(args.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--stock", type=int, default=100)
    parser.add_argument("--pool", type=int, default=20, help="database connections")
    parser.add_argument("--awards", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
