"""Inserting rows in one statement: a row unless its unique key exists (no savepoint), or
many rows at once.

``insert_new`` sends ``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` (PostgreSQL and
SQLite alike): the row is created, or nothing happens and the caller reads the existing one.
Unlike ``Model.create`` inside a savepoint (SAVEPOINT, INSERT, RELEASE - and a SELECT first
to spare the conflict), a lost race costs no aborted transaction, and the common case - a new
key - costs one round trip. ``insert_many`` writes several rows of one model in one
``INSERT`` (a case's history rows, the outbox rows of one change).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any, TypeVar

from tortoise import Tortoise
from tortoise.models import Model

from storage import held
from storage.asyncpg_pool import LazyTransaction
from storage.rows import get_where, update_where

M = TypeVar("M", bound=Model)

_STATEMENTS: dict[tuple[type[Model], str], tuple[list[str], str]] = {}


def _statement(model: type[Model], conn: Any, dialect: str) -> tuple[list[str], str]:
    """(field names, SQL) of the model's conflict-ignoring insert, built once per dialect."""
    key = (model, dialect)
    if key not in _STATEMENTS:
        meta = model._meta
        executor = conn.executor_class(model=model, db=conn)
        columns = list(executor.regular_columns)
        query = executor._prepare_insert_statement(
            [meta.fields_db_projection[name] for name in columns], has_generated=False,
            ignore_conflicts=True).returning(meta.db_pk_column)
        _STATEMENTS[key] = columns, str(query)
    return _STATEMENTS[key]


async def insert_new(instance: Model, using_db: Any = None) -> bool:
    """Insert ``instance`` (not yet saved); False, leaving it unsaved, when a unique
    constraint already holds its key."""
    meta = instance._meta
    conn = using_db or Tortoise.get_connection(meta.default_connection or "default")
    dialect = conn.capabilities.dialect
    columns, sql = _statement(type(instance), conn, dialect)
    values = [meta.fields_map[name].to_db_value(getattr(instance, name), instance)
              for name in columns]
    if dialect == "postgres":  # its execute_query drops RETURNING rows
        row = await conn.execute_insert(sql, values)
    else:  # SQLite's execute_insert gives lastrowid, stale when nothing was inserted
        rows = (await conn.execute_query(sql, values))[1]
        row = rows[0] if rows else None
    if row is None:
        return False
    instance.pk = row[meta.db_pk_column]
    instance._saved_in_db = True
    return True


async def insert_many(instances: Sequence[Model], using_db: Any = None, *,
                      fields: Sequence[str] | None = None, unique: str | None = None,
                      may_hold: bool = False) -> None:
    """Insert ``instances`` (one model, none saved yet) in one statement, in order.

    ``fields``: the columns to write (by default every regular column, as ``insert_new``).
    ``unique``: a unique field; rows whose value of it is taken already (or earlier in the
    list) are skipped (``ON CONFLICT DO NOTHING``) and left unsaved, the others get their ids.
    Without it, the ids are assigned in the order written (ascending, as the database gave
    them). PostgreSQL and SQLite alike (multi-row ``VALUES`` with ``RETURNING``). Rows whose
    ids were taken already (``take_ids``: every row has one) are written with them.
    ``may_hold``: inside a message's effect on PostgreSQL the INSERT may wait for the effect's
    record and go with it (``storage.held``); the rows are then left without ids, but for
    those that have theirs (and, with ``unique``, whether a row was skipped is not known)."""
    if not instances:
        return
    model = type(instances[0])
    meta = model._meta
    conn = using_db or Tortoise.get_connection(meta.default_connection or "default")
    postgres = conn.capabilities.dialect == "postgres"
    if unique is not None:  # one row per key: the first, as the statement would keep it
        first: dict[Any, Model] = {}
        for instance in instances:
            first.setdefault(getattr(instance, unique), instance)
        instances = list(first.values())
    names = list(fields if fields is not None else _statement(model, conn,
                                                              conn.capabilities.dialect)[0])
    explicit = all(instance.pk is not None for instance in instances)
    if explicit and meta.pk_attr not in names:
        names.insert(0, meta.pk_attr)
    width = len(names)
    columns = ", ".join(f'"{meta.fields_db_projection[name]}"' for name in names)
    rows = ", ".join("(" + ", ".join(f"${i * width + j + 1}" if postgres else "?"
                                     for j in range(width)) + ")"
                     for i in range(len(instances)))
    values = [meta.fields_map[name].to_db_value(getattr(instance, name), instance)
              for instance in instances for name in names]
    pk = meta.db_pk_column
    sql = f'INSERT INTO "{meta.db_table}" ({columns}) VALUES {rows}'
    if may_hold and held.hold(conn, sql + (" ON CONFLICT DO NOTHING" if unique else ""),
                              values):
        if explicit:
            for instance in instances:
                instance._saved_in_db = True
        return
    if unique is None:
        returned = await conn.execute_query_dict(f'{sql} RETURNING "{pk}"', values)
        pairs = zip(instances, sorted(r[pk] for r in returned), strict=True)
    else:
        column = meta.fields_db_projection[unique]
        returned = await conn.execute_query_dict(
            f'{sql} ON CONFLICT DO NOTHING RETURNING "{pk}", "{column}"', values)
        ids = {r[column]: r[pk] for r in returned}
        pairs = ((i, ids[getattr(i, unique)]) for i in instances if getattr(i, unique) in ids)
    for instance, new_id in pairs:
        instance.pk = new_id
        instance._saved_in_db = True


_NUMBERED: dict[tuple[type[Model], str, tuple[str, ...]], str] = {}


def _numbered_sql(model: type[Model], field: str, names: list[str]) -> str:
    """PostgreSQL: the row's id taken from its sequence in the statement itself, and ``field``
    written from it: $1 the prefix, $2 the base, then ``names``' values."""
    key = (model, field, tuple(names))
    if key not in _NUMBERED:
        meta = model._meta
        table, pk = meta.db_table, meta.db_pk_column
        columns = ", ".join(f'"{meta.fields_db_projection[name]}"' for name in names)
        params = ", ".join(f"${i + 3}" for i in range(len(names)))
        new_id = '(SELECT "id" FROM "n")'
        _NUMBERED[key] = (
            f"WITH \"n\" AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence('\"{table}\"', "
            f"'{pk}')) AS \"id\") INSERT INTO \"{table}\" (\"{pk}\", "
            f'"{meta.fields_db_projection[field]}", {columns}) VALUES ({new_id}, '
            f'$1::text || ($2::bigint + {new_id})::text, {params}) RETURNING "{pk}"')
    return _NUMBERED[key]


async def insert_numbered(instance: Model, using_db: Any = None, *, field: str, prefix: str,
                          base: int) -> None:
    """Insert ``instance`` (not yet saved) with ``field`` = ``prefix`` + (``base`` + its id):
    a number people type (a case's A1234) that follows from the id.

    PostgreSQL: one statement (the id taken from the table's sequence inside it). SQLite:
    the row is inserted with a placeholder in ``field`` (unique: a random token), then
    ``field`` is written from the id it got: two statements, as SQLite has no sequence to
    take the id from first. Either way ``instance`` ends saved, with its id and ``field``.
    An ``instance`` whose id was taken already (``take_ids``) is written with it and its
    number, held for the effect's record where that holds (``insert_many``)."""
    meta = type(instance)._meta
    conn = using_db or Tortoise.get_connection(meta.default_connection or "default")
    if instance.pk is not None:
        setattr(instance, field, f"{prefix}{base + instance.pk}")
        await insert_many([instance], conn, may_hold=True)
        return
    if conn.capabilities.dialect != "postgres":
        setattr(instance, field, f"T{secrets.token_hex(5)}")
        await insert_many([instance], conn)
        number = f"{prefix}{base + instance.pk}"
        await update_where(type(instance), {field: number}, {meta.pk_attr: instance.pk}, conn)
        setattr(instance, field, number)
        return
    names = [name for name in _statement(type(instance), conn, "postgres")[0] if name != field]
    values = [meta.fields_map[name].to_db_value(getattr(instance, name), instance)
              for name in names]
    row = await conn.execute_insert(_numbered_sql(type(instance), field, names),
                                    [prefix, base, *values])
    instance.pk = row[meta.db_pk_column]
    setattr(instance, field, f"{prefix}{base + instance.pk}")
    instance._saved_in_db = True


_OR_GET: dict[tuple[type[Model], str], tuple[list[str], str]] = {}


def _or_get_sql(model: type[Model], conn: Any, unique: str) -> tuple[list[str], str]:
    """PostgreSQL: the row of the ``unique`` value if there is one, else the row inserted,
    in one statement (the new row flagged). The INSERT runs only when nothing was found, so
    a row found takes no value from the id's sequence."""
    key = (model, unique)
    if key not in _OR_GET:
        meta = model._meta
        names = _statement(model, conn, "postgres")[0]
        table, projection = meta.db_table, meta.fields_db_projection
        columns = ", ".join(f'"{projection[name]}"' for name in names)
        every = ", ".join(f'"{column}"' for column in projection.values())
        casts = ", ".join(
            f"${i + 1}::{meta.fields_map[name].get_for_dialect('postgres', 'SQL_TYPE')}"
            for i, name in enumerate(names))
        mark = f"${names.index(unique) + 1}"
        _OR_GET[key] = names, (
            f'WITH "old" AS (SELECT {every} FROM "{table}" WHERE "{projection[unique]}" = '
            f'{mark}), "new" AS (INSERT INTO "{table}" ({columns}) SELECT {casts} WHERE NOT '
            f'EXISTS (SELECT 1 FROM "old") ON CONFLICT ("{projection[unique]}") DO NOTHING '
            f'RETURNING {every}) SELECT {every}, FALSE AS "linli_created" FROM "old" UNION ALL '
            f'SELECT {every}, TRUE FROM "new"')
    return _OR_GET[key]


async def insert_or_get(instance: M, unique: str, using_db: Any = None) -> tuple[M, bool]:
    """``instance`` inserted, or the row already holding its ``unique`` value read instead:
    (the row, whether it is new). A person's row on their first message: one statement on
    PostgreSQL whichever it is (it used to be a SELECT, then tortoise's INSERT); SQLite reads
    first, then inserts. A row inserted a moment ago by another transaction not yet visible
    to the statement is read once more."""
    model = type(instance)
    meta = model._meta
    conn = using_db or Tortoise.get_connection(meta.default_connection or "default")
    value = getattr(instance, unique)
    if conn.capabilities.dialect == "postgres":
        names, sql = _or_get_sql(model, conn, unique)
        rows = await conn.execute_query_dict(sql, [
            meta.fields_map[name].to_db_value(getattr(instance, name), instance)
            for name in names])
        if rows:
            row = dict(rows[0])
            created = row.pop("linli_created")
            return model._init_from_db(**row), created
    else:
        found = await get_where(model, conn, **{unique: value})
        if found is not None:
            return found, False
        if await insert_new(instance, conn):
            return instance, True
    found = await get_where(model, conn, **{unique: value})
    if found is None:  # pragma: no cover - deleted between the two statements
        raise LookupError(f"{model.__name__} {unique}={value!r} neither inserted nor found")
    return found, False


_IDS: dict[tuple[type[Model], ...], str] = {}


async def take_ids(conn: Any, wanted: Sequence[tuple[type[Model], int]]) -> list[list[int]]:
    """PostgreSQL: ids for rows not written yet, from their tables' sequences, in one
    statement: per (model, how many), that many ids, ascending. The rows written with them
    (``insert_many``, ``insert_numbered``) need no ``RETURNING``, so their INSERTs may be
    held for the effect's record. In an effect that has sent nothing yet, the statement goes
    before its BEGIN (``LazyTransaction.before``): a rollback would not give the ids back
    anyway."""
    models = tuple(model for model, _ in wanted)
    if models not in _IDS:
        parts = []
        for i, model in enumerate(models):
            meta = model._meta
            parts.append(
                f"ARRAY(SELECT nextval(pg_get_serial_sequence('\"{meta.db_table}\"', "
                f"'{meta.db_pk_column}')) FROM generate_series(1, ${i + 1}::int)) AS \"i{i}\"")
        _IDS[models] = "SELECT " + ", ".join(parts)
    counts = [n for _, n in wanted]
    send = conn.before if isinstance(conn, LazyTransaction) else conn.execute_query_dict
    row = (await send(_IDS[models], counts))[0]
    return [sorted(row[f"i{i}"]) for i in range(len(models))]
