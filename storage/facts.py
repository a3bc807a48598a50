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
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from tortoise import Tortoise

from storage import readonce

T = TypeVar("T")

_SQL = "SELECT version FROM linli_facts WHERE id = 1"


async def _read() -> tuple[str, int] | None:
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict(_SQL)
    return (conn.capabilities.dialect, int(rows[0]["version"])) if rows else None


async def version() -> tuple[str, int] | None:
    """The reference facts' current version (None: not tracked, read afresh every time)."""
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
