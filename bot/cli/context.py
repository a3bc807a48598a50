"""What a CLI command needs: settings, an open database and Redis, closed afterwards.

The database must have been migrated: a command never creates tables (or an empty SQLite
file) of its own; it stops with ``storage.db.NotMigrated`` naming the database it opened.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from bot.config import Settings
from storage.db import close_db, init_migrated_db
from storage.kv import KV, create_redis

T = TypeVar("T")


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[KV]:
    await init_migrated_db(settings.database_url)
    kv = KV(create_redis(settings.redis_url, autopipeline=settings.redis_autopipeline),
            settings.redis_prefix)
    try:
        yield kv
    finally:
        await kv.close()
        await close_db()


def run_with_storage(work: Callable[[Settings, KV], Awaitable[T]]) -> T:
    """Run ``work(settings, kv)`` in a fresh event loop with storage opened."""
    settings = Settings.from_env()

    async def go() -> T:
        async with opened(settings) as kv:
            return await work(settings, kv)

    return asyncio.run(go())
