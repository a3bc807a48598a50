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
from typing import Any, Generic, TypeVar

from tortoise import Tortoise
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.exceptions import MultipleObjectsReturned
from tortoise.models import Model

from storage import readonce

T = TypeVar("T")
M = TypeVar("M", bound=Model)

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
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict(_SQL)
    found = (conn.capabilities.dialect, int(rows[0]["version"])) if rows else None
    _remember(found, conn)
    return found


def _remember(found: tuple[str, int] | None, conn: Any) -> None:
    global _recent
    if not isinstance(conn, TransactionalDBClient):  # committed: others see it too
        _recent = (found, _clock())


_WITH: dict[tuple[type[Model], str, tuple[str, ...]], str] = {}


async def read_with(model: type[M], **where: Any) -> M | None:
    """The one row of ``model`` whose fields equal ``where``'s values (None if none), and the
    facts' version, in one statement: inside a ``readonce.scope`` the version counts as the
    message's one read (the 确认 of a report asks whether its step was taken before with it)."""
    conn = Tortoise.get_connection("default")
    dialect = conn.capabilities.dialect
    key = (model, dialect, tuple(where))
    if key not in _WITH:
        meta = model._meta
        columns = ", ".join(f'"t"."{c}"' for c in meta.fields_db_projection.values())
        marks = [f"${i}" if dialect == "postgres" else "?" for i in range(1, len(where) + 1)]
        conditions = " AND ".join(f'"t"."{meta.fields_db_projection[name]}" = {mark}'
                                  for name, mark in zip(where, marks, strict=True))
        _WITH[key] = (f'SELECT {columns}, ({_SQL}) AS "linli_facts_version" FROM (SELECT 1) AS '
                      f'"one" LEFT JOIN "{meta.db_table}" AS "t" ON {conditions}')
    fields = model._meta.fields_map
    rows = await conn.execute_query_dict(
        _WITH[key], [fields[name].to_db_value(value, None) for name, value in where.items()])
    number = rows[0].pop("linli_facts_version")
    found = (dialect, int(number)) if number is not None else None
    _remember(found, conn)
    readonce.prime("facts:version", found)
    if len(rows) > 1:
        raise MultipleObjectsReturned(model)
    if rows[0][model._meta.db_pk_column] is None:
        return None
    return model._init_from_db(**rows[0])


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
