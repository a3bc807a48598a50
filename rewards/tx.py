"""One database transaction per write, retried when the database asks for it.

PostgreSQL may abort a transaction to break a deadlock (40P01) or a serialization conflict
(40001); SQLite may report "database is locked" when another process holds it. Those are
retried a few times with a short random back-off; everything else propagates.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise.transactions import in_transaction

T = TypeVar("T")
log = logging.getLogger(__name__)

RETRY_SQLSTATES = frozenset({"40P01", "40001"})
MAX_ATTEMPTS = 5


def is_retryable(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "sqlstate", None) in RETRY_SQLSTATES:
            return True
        if "database is locked" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def transaction(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work()`` inside one transaction (never call this inside another)."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            async with in_transaction():
                return await work()
        except Exception as exc:
            if attempt == MAX_ATTEMPTS or not is_retryable(exc):
                raise
            log.info("transaction attempt %d failed, retrying: %s", attempt, exc)
        await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
    raise AssertionError("unreachable")
