"""Inserting a row unless its unique key exists: one statement, no savepoint.

``insert_new`` sends ``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` (PostgreSQL and
SQLite alike): the row is created, or nothing happens and the caller reads the existing one.
Unlike ``Model.create`` inside a savepoint (SAVEPOINT, INSERT, RELEASE - and a SELECT first
to spare the conflict), a lost race costs no aborted transaction, and the common case - a new
key - costs one round trip.
"""

from __future__ import annotations

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
