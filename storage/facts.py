"""Reference facts kept in process, as fresh as the database (issue 17).

Categories, the geography (streets, communities, grids, compounds, buildings) and the staff's
routing facts change rarely but are read by every report. Database triggers (migration
``geo 0003_facts_version``) bump one version row on any change to them, whoever makes it: the
ORM, a bulk ``update()``, raw SQL in ``psql``, another process. ``version()`` reads that row -
once per ``readonce.scope`` (a message of the report flow, the API's create) - and a
``Cached`` value is reloaded when it differs from the version it was loaded at.

A version is never reused (a sequence with a random start on PostgreSQL, ``random()`` on
SQLite), so a value loaded inside a transaction that later rolls back can never be taken for
another state. Without the row (a database not migrated this far) nothing is kept.

Inside ``settled()`` (a chat message that only shows facts: a report's place, its category
menu, its card) a version this process read outside any transaction less than
``SETTLED_FOR`` seconds ago is taken without reading it again: what such a message shows may
be up to that old. Everything that writes (a report's 确认, the API's create, routing,
sweeps) reads the version every time, so a category switched off is refused at once.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

from tortoise import Tortoise
from tortoise.backends.base.client import TransactionalDBClient

from storage import readonce

T = TypeVar("T")

_SQL = "SELECT version FROM linli_facts WHERE id = 1"
SETTLED_FOR = 1.0  # seconds a message that only shows facts may trust the last version read

_settled: ContextVar[bool] = ContextVar("linli_facts_settled", default=False)
_clock = time.monotonic  # (tests move it)
# The last version read outside a transaction, and when (``_clock()``).
_recent: tuple[tuple[str, int] | None, float] | None = None


@contextmanager
def settled() -> Iterator[None]:
    """Inside: ``version()`` may be the one read less than ``SETTLED_FOR`` s ago."""
    token = _settled.set(True)
    try:
        yield
    finally:
        _settled.reset(token)


def forget_recent() -> None:
    """The next ``version()`` reads the row (tests; a process that knows it changed)."""
    global _recent
    _recent = None


async def _read() -> tuple[str, int] | None:
    global _recent
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict(_SQL)
    found = (conn.capabilities.dialect, int(rows[0]["version"])) if rows else None
    if not isinstance(conn, TransactionalDBClient):  # committed: others see it too
        _recent = (found, _clock())
    return found


async def version() -> tuple[str, int] | None:
    """The reference facts' current version (None: not tracked, read afresh every time)."""
    recent = _recent
    if (recent is not None and recent[0] is not None and _settled.get()
            and _clock() - recent[1] < SETTLED_FOR):
        return recent[0]
    return await readonce.read("facts:version", _read)


class Cached(Generic[T]):
    """``load()``'s result, kept while the facts' version stays the same."""

    def __init__(self, load: Callable[[], Awaitable[T]]) -> None:
        self._load = load
        self._version: tuple[str, int] | None = None
        self._value: T | None = None
        self.loads = 0  # how many times this process loaded it (for tests)

    def forget(self) -> None:
        self._version = None
        self._value = None

    async def get(self) -> T:
        current = await version()
        if current is not None and current == self._version:
            return self._value  # type: ignore[return-value]
        value = await self._load()
        self.loads += 1
        if current is not None:
            self._version, self._value = current, value
        return value
