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

from collections.abc import Sequence
from typing import Any

from tortoise import Tortoise
from tortoise.models import Model

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
                      fields: Sequence[str] | None = None, unique: str | None = None) -> None:
    """Insert ``instances`` (one model, none saved yet) in one statement, in order.

    ``fields``: the columns to write (by default every regular column, as ``insert_new``).
    ``unique``: a unique field; rows whose value of it is taken already (or earlier in the
    list) are skipped (``ON CONFLICT DO NOTHING``) and left unsaved, the others get their ids.
    Without it, the ids are assigned in the order written (ascending, as the database gave
    them). PostgreSQL and SQLite alike (multi-row ``VALUES`` with ``RETURNING``)."""
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
    names = list(fields) if fields is not None else _statement(model, conn,
                                                               conn.capabilities.dialect)[0]
    width = len(names)
    columns = ", ".join(f'"{meta.fields_db_projection[name]}"' for name in names)
    rows = ", ".join("(" + ", ".join(f"${i * width + j + 1}" if postgres else "?"
                                     for j in range(width)) + ")"
                     for i in range(len(instances)))
    values = [meta.fields_map[name].to_db_value(getattr(instance, name), instance)
              for instance in instances for name in names]
    pk = meta.db_pk_column
    sql = f'INSERT INTO "{meta.db_table}" ({columns}) VALUES {rows}'
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
