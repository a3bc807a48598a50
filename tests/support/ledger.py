"""Helpers shared by the ledger and rewards tests (no tests here)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from tortoise import Tortoise

from storage import clock
from storage.db import close_db, init_db

LEDGER_TABLES = (
    "ledger_expiry_notice",
    "ledger_redemption",
    "ledger_award",
    "ledger_entry",
    "ledger_chain_head",
    "ledger_reward",
    "ledger_transfer",
    "ledger_account",
)
POOL_QUERY = "?minsize=2&maxsize=20"


async def truncate_ledger() -> None:
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        quoted = ", ".join(f'"{t}"' for t in LEDGER_TABLES)
        await conn.execute_script(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    else:
        for table in LEDGER_TABLES:
            await conn.execute_script(f'DELETE FROM "{table}"')
        names = ", ".join(f"'{t}'" for t in LEDGER_TABLES)
        await conn.execute_script(f"DELETE FROM sqlite_sequence WHERE name IN ({names})")


async def execute(sql: str) -> None:
    await Tortoise.get_connection("default").execute_script(sql)


def set_clock(moment: datetime) -> None:
    """Make ``clock.now()`` read ``moment`` (it keeps running from there)."""
    clock.reset()
    clock.advance(moment - clock.now())


def local_time(*args: int) -> datetime:
    return datetime(*args, tzinfo=clock.SHANGHAI)


@pytest.fixture
async def pg_pool(pg_backend) -> AsyncIterator[str]:
    """PostgreSQL with a connection pool big enough for real concurrency."""
    await init_db(pg_backend.database_url + POOL_QUERY)
    await truncate_ledger()
    yield pg_backend.database_url
    await close_db()
