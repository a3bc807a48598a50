"""Shared fixtures: real PostgreSQL and Redis, plus SQLite with in-process Redis.

Every test that takes ``backend`` runs twice: on PostgreSQL + Redis (the production shape)
and on SQLite + fakeredis (the embedded default). A missing PostgreSQL or Redis fails the
run; it is never skipped. Each run gets its own PostgreSQL database and Redis key prefix,
so parallel runs on one machine do not see each other.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import asyncpg
import fakeredis
import pytest
import redis.asyncio as aioredis
from tortoise import Tortoise

from handlers.push.compose import quiet_until
from storage import clock
from storage.db import close_db, init_db, migrate
from storage.kv import KV, create_redis

PG_ADMIN_URL = os.environ.get("LINLI_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LINLI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass(frozen=True)
class Backend:
    name: str  # "postgres" | "sqlite"
    database_url: str
    redis_url: str | None  # None: in-process fakeredis

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgres"


async def _create_pg_database() -> str:
    name = f"linli_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"))
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"PostgreSQL is required for the tests ({PG_ADMIN_URL}): {exc}")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


async def _drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _check_redis() -> None:
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:
        pytest.fail(f"Redis is required for the tests ({REDIS_URL}): {exc}")
    finally:
        await client.aclose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    url = asyncio.run(_create_pg_database())
    asyncio.run(migrate(url))
    yield url
    asyncio.run(_drop_pg_database(url))


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "linli.sqlite3"
    url = f"sqlite://{path}"
    asyncio.run(migrate(url))
    return url


@pytest.fixture(scope="session")
def real_redis_checked() -> bool:
    asyncio.run(_check_redis())
    return True


@pytest.fixture(params=["postgres", "sqlite"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "postgres":
        request.getfixturevalue("real_redis_checked")
        return Backend("postgres", request.getfixturevalue("pg_url"), REDIS_URL)
    return Backend("sqlite", request.getfixturevalue("sqlite_url"), None)


@pytest.fixture
def pg_backend(pg_url: str, real_redis_checked: bool) -> Backend:
    """For tests that need shared state across app instances: PostgreSQL + real Redis only."""
    return Backend("postgres", pg_url, REDIS_URL)


async def _truncate_all() -> None:
    conn = Tortoise.get_connection("default")
    tables = [m._meta.db_table for app in Tortoise.apps.values() for m in app.values()]
    if not tables:
        return
    if conn.capabilities.dialect == "postgres":
        quoted = ", ".join(f'"{t}"' for t in tables)
        await conn.execute_script(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    else:
        # Foreign keys would make the order of deletion matter; ids restart as on PostgreSQL.
        await conn.execute_script("PRAGMA foreign_keys = OFF")
        for table in tables:
            await conn.execute_script(f'DELETE FROM "{table}"')
        _, rows = await conn.execute_query(
            "SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
        if rows:
            await conn.execute_script("DELETE FROM sqlite_sequence")
        await conn.execute_script("PRAGMA foreign_keys = ON")


@pytest.fixture
async def db(backend: Backend) -> AsyncIterator[Backend]:
    """An initialised, emptied database of the backend under test."""
    await init_db(backend.database_url)
    await _truncate_all()
    yield backend
    await close_db()


@pytest.fixture
async def pg_db(pg_backend: Backend) -> AsyncIterator[Backend]:
    """Like ``db`` but PostgreSQL only: for tests of several processes sharing state."""
    await init_db(pg_backend.database_url)
    await _truncate_all()
    yield pg_backend
    await close_db()


@pytest.fixture
def redis_prefix() -> str:
    return f"linli-t-{uuid.uuid4().hex[:10]}:"


@pytest.fixture
async def kv(backend: Backend, redis_prefix: str) -> AsyncIterator[KV]:
    """A Redis namespace of its own: real Redis for postgres (through the client the server
    uses, ``create_redis``: its pool and the scripts' shared connection), fakeredis for
    sqlite."""
    if backend.redis_url is None:
        client = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer())
    else:
        client = create_redis(backend.redis_url)
    store = KV(client, redis_prefix)
    yield store
    if backend.redis_url is not None:
        async for key in client.scan_iter(match=f"{redis_prefix}*", count=500):
            await client.delete(key)
    await client.aclose()


# LINLI_TEST_LOCAL_TIME=HH:MM starts every test's clock at that Shanghai time (the next one),
# to check that no test depends on the hour the suite runs at: 21:50, say, where a few hours'
# advance lands in the quiet hours.
START_AT = os.environ.get("LINLI_TEST_LOCAL_TIME") or None


def at(hhmm: str) -> None:
    """Move the clock forward to the next ``hhmm`` (Asia/Shanghai)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    now = clock.local()
    then = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    clock.advance((then if then > now else then + timedelta(days=1)) - now)


def by_day() -> None:
    """Move the clock out of the quiet hours (22:00-07:00 Asia/Shanghai) to 10:00: pushes are
    held then, and a test must not pass or fail by the hour the suite happens to run. The
    quiet hours have tests of their own, which move the clock there on purpose."""
    if quiet_until(clock.now()) is not None:
        now = clock.local()
        ten = now.replace(hour=10, minute=0, second=0, microsecond=0)
        clock.advance((ten if ten > now else ten + timedelta(days=1)) - now)


@pytest.fixture(autouse=True)
def _reset_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    clock.reset()
    if request.node.get_closest_marker("real_clock") is None:
        if START_AT is not None:
            at(START_AT)
        by_day()
    yield
    clock.reset()


pytest_plugins = ["tests.support.app", "tests.support.browser"]
