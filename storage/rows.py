"""Reading and updating rows matched by equality, each in one statement built once.

``get_where(ProcessedMessage, dedup_key=k)`` and ``update_where(Case, {"status": ...},
{"id": 7, "status": before})`` send ``SELECT``/``UPDATE ... WHERE a = $1 AND b = $2`` with
every value a parameter, converted as tortoise's own queries convert it
(``Field.to_db_value``), and a row read becomes the model as tortoise builds it
(``Model._init_from_db``). The text depends only on the field names, so it is built once per
model, dialect and names, and the driver prepares it once: on the hot paths (a message's
step, a case's guarded status change) tortoise's query builder cost more Python per call
than the round trip itself (issue 17, docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from tortoise import Tortoise
from tortoise.exceptions import MultipleObjectsReturned
from tortoise.models import Model

M = TypeVar("M", bound=Model)

_SQL: dict[tuple[type[Model], str, tuple[str, ...], tuple[str, ...]], str] = {}


def _marks(dialect: str, n: int) -> list[str]:
    return [f"${i}" if dialect == "postgres" else "?" for i in range(1, n + 1)]


def _select(model: type[Model], dialect: str, where: tuple[str, ...]) -> str:
    key = (model, dialect, (), where)
    if key not in _SQL:
        meta = model._meta
        columns = ", ".join(f'"{column}"' for column in meta.fields_db_projection.values())
        conditions = " AND ".join(
            f'"{meta.fields_db_projection[name]}" = {mark}'
            for name, mark in zip(where, _marks(dialect, len(where)), strict=True))
        _SQL[key] = f'SELECT {columns} FROM "{meta.db_table}" WHERE {conditions} LIMIT 2'
    return _SQL[key]


async def get_where(model: type[M], using_db: Any = None, **where: Any) -> M | None:
    """The one row whose fields equal ``where``'s values, else None (as tortoise's
    ``get_or_none``: more than one raises ``MultipleObjectsReturned``)."""
    if not where:
        raise ValueError("get_where needs a condition")
    meta = model._meta
    conn = using_db or Tortoise.get_connection(meta.default_connection or "default")
    fields = meta.fields_map
    rows = await conn.execute_query_dict(
        _select(model, conn.capabilities.dialect, tuple(where)),
        [fields[name].to_db_value(value, None) for name, value in where.items()])
    if len(rows) > 1:
        raise MultipleObjectsReturned(model)
    return model._init_from_db(**rows[0]) if rows else None


def _statement(model: type[Model], dialect: str, changes: tuple[str, ...],
               where: tuple[str, ...]) -> str:
    key = (model, dialect, changes, where)
    if key not in _SQL:
        meta = model._meta
        names = [*changes, *where]
        marks = _marks(dialect, len(names))
        pairs = [f'"{meta.fields_db_projection[name]}" = {mark}'
                 for name, mark in zip(names, marks, strict=True)]
        _SQL[key] = (f'UPDATE "{meta.db_table}" SET {", ".join(pairs[:len(changes)])} '
                     f'WHERE {" AND ".join(pairs[len(changes):])}')
    return _SQL[key]


async def update_where(model: type[Model], changes: Mapping[str, Any],
                       where: Mapping[str, Any], using_db: Any = None) -> int:
    """Set ``changes`` on the rows whose fields equal ``where``'s values; returns how many."""
    if not changes or not where:
        raise ValueError("update_where needs changes and a condition")
    meta = model._meta
    conn = using_db or Tortoise.get_connection(meta.default_connection or "default")
    sql = _statement(model, conn.capabilities.dialect, tuple(changes), tuple(where))
    fields = meta.fields_map
    values = [fields[name].to_db_value(value, None)
              for name, value in (*changes.items(), *where.items())]
    return (await conn.execute_query(sql, values))[0]


_BY_IDS: dict[tuple[Any, ...], str] = {}


def _by_ids(model: type[Model], dialect: str, changes: tuple[str, ...], add: tuple[str, ...],
            where: tuple[str, ...], count: int) -> str:
    """``UPDATE`` of the rows whose ids are a list (PostgreSQL: one array parameter, so one
    text for any number of ids; SQLite: a mark per id)."""
    key = (model, dialect, changes, add, where, count if dialect != "postgres" else 0)
    if key not in _BY_IDS:
        meta = model._meta
        projection = meta.fields_db_projection
        n = len(changes) + len(add) + len(where)
        marks = _marks(dialect, n + (1 if dialect == "postgres" else count))
        sets = [f'"{projection[name]}" = {mark}' for name, mark in zip(changes, marks,
                                                                       strict=False)]
        sets += [f'"{projection[name]}" = "{projection[name]}" + {mark}'
                 for name, mark in zip(add, marks[len(changes):], strict=False)]
        conditions = [f'"{projection[name]}" = {mark}'
                      for name, mark in zip(where, marks[len(changes) + len(add):],
                                            strict=False)]
        pk = f'"{meta.db_pk_column}"'
        conditions.append(f"{pk} = ANY({marks[n]})" if dialect == "postgres"
                          else f"{pk} IN ({', '.join(marks[n:])})")
        _BY_IDS[key] = (f'UPDATE "{meta.db_table}" SET {", ".join(sets)} '
                        f'WHERE {" AND ".join(conditions)}')
    return _BY_IDS[key]


async def update_ids(model: type[Model], ids: list[int], changes: Mapping[str, Any],
                     where: Mapping[str, Any] | None = None, *,
                     add: Mapping[str, int] | None = None, using_db: Any = None) -> int:
    """Set ``changes`` (and add ``add``'s numbers to those fields) on the rows whose ids are
    ``ids`` and whose fields equal ``where``'s values; returns how many."""
    add, where = add or {}, where or {}
    if not ids or not (changes or add):
        return 0
    meta = model._meta
    conn = using_db or Tortoise.get_connection(meta.default_connection or "default")
    dialect = conn.capabilities.dialect
    fields = meta.fields_map
    values = [fields[name].to_db_value(value, None)
              for name, value in (*changes.items(), *where.items())]
    values[len(changes):len(changes)] = list(add.values())
    ids = list(ids)
    values.extend([ids] if dialect == "postgres" else ids)
    sql = _by_ids(model, dialect, tuple(changes), tuple(add), tuple(where), len(ids))
    return (await conn.execute_query(sql, values))[0]
