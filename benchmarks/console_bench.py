"""Console (指挥中心) benchmark: the pages staff open most, on a year of cases.

    .venv/bin/python -m benchmarks.console_bench [--cases 20000] [--rounds 7]
        [--admin-url postgres://...] [--keep]

Creates its own PostgreSQL database (``linli_console_bench_<pid>``), applies the migrations,
loads the demo district (8 grids) and writes ``--cases`` cases spread over the last 365 days
(with the history rows the figures count: resolutions, reopenings, ratings), in bulk, and
ANALYZEs it (the planner's statistics, which autovacuum keeps in a live database). Then
it serves the whole application in-process (aiohttp test server, Redis at 127.0.0.1:6379
under a prefix of its own, the WeChat sandbox) and signs in as a street admin through a
one-time link, as a person would.

Per page it prints the median and the slowest of ``--rounds`` requests, measured at the
client on loopback in the same process (so it is server time plus a loopback round trip):

* 总览 ``/console/`` (the default period, the last 30 days);
* 地图 data ``/console/map/data.json``;
* a filtered list page ``/console/cases?status=open&category=…&sort=-created_at``;
* a text search ``/console/cases?q=…``;
* the CSV export of every case, ``/console/cases.csv``: time and rows of one download, and
  the peak of Python memory allocated while a second download streams (tracemalloc, which
  slows Python down several times, so not while timing), next to the peak for an export of
  a tenth as many rows: a streamed export's peak does not grow with the rows.

Targets (issue 12): overview and list < 150 ms; the export streamed with flat memory.
It prints figures; it asserts nothing about speed, but refuses to print figures for a run
whose pages did not answer 200 or whose export did not hold every case.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.config import SANDBOX_APPID, SANDBOX_SECRET, SANDBOX_TOKEN, Settings
from handlers import console_access
from handlers.demo import load_demo_data
from storage import clock
from storage.db import close_db, init_db, migrate
from storage.geo.models import Building, Category, Grid
from storage.reports.models import Case, CaseEvent, CaseSource, CaseStatus

DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/test"
ADMIN = "bench-street-admin"


async def _admin(admin_url: str, sql: str) -> None:
    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _analyze(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


STATUS_WEIGHTS = [(CaseStatus.CLOSED, 70), (CaseStatus.RESOLVED, 6), (CaseStatus.ACCEPTED, 5),
                  (CaseStatus.IN_PROGRESS, 5), (CaseStatus.DISPATCHED, 6), (CaseStatus.REOPENED, 2),
                  (CaseStatus.REJECTED, 4), (CaseStatus.HIDDEN, 2)]
WORDS = ["井盖缺失", "路灯不亮", "垃圾堆放", "下水道堵塞", "积水严重", "楼道杂物", "占道经营",
         "电梯故障", "绿化带破损", "共享单车乱停"]


def _case_rows(n: int, grids: list[Grid], buildings: dict[str, Building],
               categories: list[Category], rng: random.Random) -> list[Case]:
    now = clock.now()
    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    rows = []
    for i in range(n):
        grid = rng.choice(grids)
        category = rng.choice(categories)
        created = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
        status = rng.choice(statuses)
        accepted = created + timedelta(minutes=rng.randrange(5, 600))
        resolved = accepted + timedelta(hours=rng.randrange(1, 96))
        done = status in (CaseStatus.CLOSED, CaseStatus.RESOLVED)
        building = buildings.get(grid.code)
        rows.append(Case(
            number=f"A{200000 + i}", reporter_openid=f"bench-r{i % 3000}",
            category_code=category.code, description=f"{rng.choice(WORDS)}，麻烦尽快处理 {i}",
            lat=building.lat if building else 39.9, lng=building.lng if building else 116.4,
            address=building.name if building else "", grid_code=grid.code,
            community_code=grid.community.code, status=status, responsible="grid",
            accept_due_at=created + timedelta(hours=category.accept_sla_hours),
            resolve_due_at=created + timedelta(hours=category.resolve_sla_hours),
            overdue=(not done and rng.random() < 0.2),
            rating=rng.choice([3, 4, 5, 5, 5]) if status is CaseStatus.CLOSED else None,
            source=rng.choice([CaseSource.CHAT] * 6 + [CaseSource.MINIAPP, CaseSource.HOTLINE]),
            created_at=created, dispatched_at=created,
            accepted_at=accepted if status not in (CaseStatus.DISPATCHED,) else None,
            resolved_at=resolved if done else None,
            closed_at=resolved + timedelta(hours=12) if status is CaseStatus.CLOSED else None))
    return rows


async def load(n: int) -> None:
    await load_demo_data()
    from storage.core.models import Person, Role

    await Person.get_or_create(openid=ADMIN, defaults={"role": Role.ADMIN, "name": "街道"})
    grids = await Grid.all().prefetch_related("community")
    buildings = {b.grid_id: b for b in await Building.all()}
    by_grid = {g.code: buildings[g.id] for g in grids if g.id in buildings}
    categories = await Category.filter(active=True)
    rng = random.Random(12)
    rows = _case_rows(n, grids, by_grid, categories, rng)
    for start in range(0, n, 2000):
        await Case.bulk_create(rows[start:start + 2000])
    cases = await Case.filter(reporter_openid__startswith="bench-r").values("id", "created_at", "resolved_at",
                                                             "status")
    events = []
    for c in cases:
        events.append(CaseEvent(case_id=c["id"], at=c["created_at"], action="submit",
                                from_status="submitted", to_status="submitted"))
        if c["resolved_at"]:
            events.append(CaseEvent(case_id=c["id"], at=c["resolved_at"], action="resolve",
                                    from_status="accepted", to_status="resolved"))
            if rng.random() < 0.05:
                events.append(CaseEvent(case_id=c["id"], at=c["resolved_at"] + timedelta(hours=2),
                                        action="reopen", from_status="resolved",
                                        to_status="reopened"))
    for start in range(0, len(events), 5000):
        await CaseEvent.bulk_create(events[start:start + 5000])


async def sign_in(client: TestClient) -> None:
    token = await console_access.create_link(ADMIN)
    origin = str(client.make_url("")).rstrip("/")
    r = await client.post("/console/login", data={"t": token}, headers={"Origin": origin},
                          allow_redirects=False)
    if r.status != 303:
        sys.exit(f"sign-in failed: {r.status}")


async def timed(client: TestClient, path: str, rounds: int) -> tuple[float, float, int]:
    times = []
    size = 0
    for _ in range(rounds):
        start = time.perf_counter()
        r = await client.get(path)
        body = await r.read()
        times.append(time.perf_counter() - start)
        if r.status != 200:
            sys.exit(f"{path} answered {r.status}: no figures for a run that did not work")
        size = len(body)
    return statistics.median(times) * 1000, max(times) * 1000, size


async def export(client: TestClient, path: str) -> tuple[float, int, int]:
    """(seconds, data rows, peak bytes allocated by Python while streaming).

    Two downloads: one timed, one under tracemalloc for the peak (tracing every allocation
    makes Python several times slower: timing it would measure tracemalloc)."""
    seconds, rows = await _download(client, path)
    tracemalloc.start()
    tracemalloc.reset_peak()
    _, traced_rows = await _download(client, path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if traced_rows != rows:
        sys.exit(f"{path}: {rows} rows, then {traced_rows}")
    return seconds, rows, peak


async def _download(client: TestClient, path: str) -> tuple[float, int]:
    """(seconds, data rows) of one download of a CSV."""
    start = time.perf_counter()
    r = await client.get(path)
    rows = 0
    async for _line in r.content:
        rows += 1
    seconds = time.perf_counter() - start
    if r.status != 200:
        sys.exit(f"{path} answered {r.status}")
    return seconds, rows - 1


async def run(args: argparse.Namespace) -> None:
    name = f"linli_console_bench_{os.getpid()}"
    base = args.admin_url.rsplit("/", 1)[0]
    await _admin(args.admin_url, f'CREATE DATABASE "{name}"')
    url = f"{base}/{name}"
    try:
        await migrate(url)
        await init_db(url)
        started = time.perf_counter()
        await load(args.cases)
        total = await Case.all().count()
        await _analyze(url)  # the planner's statistics, as autovacuum keeps them in production
        print(f"loaded {total} cases over 365 days in {time.perf_counter() - started:.1f} s")
        await close_db()
        settings = Settings(wechat_token=SANDBOX_TOKEN, wechat_appid=SANDBOX_APPID,
                            wechat_secret=SANDBOX_SECRET, database_url=url,
                            redis_url="redis://127.0.0.1:6379/0",
                            redis_prefix=f"linli-console-bench-{os.getpid()}:",
                            wechat_api_base="http://127.0.0.1:9/sandbox")
        client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        try:
            await sign_in(client)
            category = (await Category.filter(active=True).order_by("code").first()).code
            pages = [("总览 /console/", "/console/"),
                     ("地图 /console/map/data.json", "/console/map/data.json"),
                     ("案件 filtered list", f"/console/cases?status=open&category={category}"
                                           "&sort=-created_at"),
                     ("案件 text search", "/console/cases?q=" + "井盖"),
                     ("案件 page 50 of all", "/console/cases?page=50")]
            print(f"\n{'page':34} {'median':>9} {'slowest':>9} {'bytes':>9}")
            for label, path in pages:
                await timed(client, path, 1)  # warm caches (category names, templates)
                median, slowest, size = await timed(client, path, args.rounds)
                print(f"{label:34} {median:7.1f}ms {slowest:7.1f}ms {size:9d}")
            small = await export(client, f"/console/cases.csv?category={category}")
            full = await export(client, "/console/cases.csv")
            if full[1] != total:
                sys.exit(f"the export held {full[1]} rows of {total}: no figures")
            print(f"\nCSV export, all {full[1]} rows: {full[0]:.2f} s "
                  f"({full[1] / full[0]:.0f} rows/s), peak Python memory while streaming "
                  f"{full[2] / 1e6:.1f} MB")
            print(f"CSV export, {small[1]} rows: {small[0]:.2f} s, peak {small[2] / 1e6:.1f} MB"
                  f"  (flat memory: the peak does not grow with the rows)")
        finally:
            await client.close()
    finally:
        await close_db()
        if args.keep:
            print(f"\nkept the database: {url} (drop it yourself)")
        else:
            await _admin(args.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cases", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    p.add_argument("--keep", action="store_true",
                   help="keep the database afterwards (for profiling); drop it yourself")
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
