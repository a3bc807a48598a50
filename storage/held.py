"""INSERTs that wait for a transaction's last statement and go with it (PostgreSQL).

Inside a message's effect (``storage.dedup``) the last statement records the message. An
INSERT whose result nothing reads before then (a new case's notices and photos to its staff,
``outbox.together``) need not be a round trip of its own: ``hold`` keeps it, and the record's
statement sends it as a data-modifying ``WITH`` ahead of its own INSERT. One statement, in the
same transaction, with the same outcome: a failure of either fails both and the effect rolls
back; a held INSERT is never sent if the effect raises before its record.

Held only on the connection the effect opened (a savepoint inside it is another connection
object: what runs there is sent at once, so a rollback to it cannot leave a held row behind),
and only on PostgreSQL (SQLite has no data-modifying ``WITH``: nothing is held there). The
parts of one statement all see the database as it was before it: nothing held may be read by
another part (the outbox rows are not).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_MARK = re.compile(r"\$(\d+)")


class Held:
    """The statements held on ``conn`` so far, in order: (SQL with $1.., values)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.statements: list[tuple[str, list[Any]]] = []


_held: ContextVar[Held | None] = ContextVar("linli_held", default=None)


@contextmanager
def holding(conn: Any) -> Iterator[Held | None]:
    """Hold INSERTs on ``conn`` inside the block (None on SQLite: nothing is held)."""
    if conn.capabilities.dialect != "postgres":
        yield None
        return
    held = Held(conn)
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)


def active(conn: Any) -> bool:
    """Whether a ``holding`` block is open on ``conn`` (INSERTs sent there may be held)."""
    held = _held.get()
    return held is not None and held.conn is conn


def hold(conn: Any, sql: str, values: Sequence[Any]) -> bool:
    """Keep ``sql`` (its parameters $1..) for the last statement if a ``holding`` block is
    open on ``conn``; False (send it now) otherwise."""
    held = _held.get()
    if held is None or held.conn is not conn:
        return False
    held.statements.append((sql, list(values)))
    return True


def shifted(sql: str, by: int) -> str:
    """``sql`` with its parameters renumbered: $1 becomes $(1 + by). Only for statements built
    here (no ``$`` inside their literals)."""
    return _MARK.sub(lambda m: f"${int(m.group(1)) + by}", sql) if by else sql


def ahead(statements: Sequence[tuple[str, Sequence[Any]]], names: Sequence[str] | None = None
          ) -> tuple[str, list[Any]]:
    """The ``WITH`` list that sends ``statements`` (named ``names``, else linli_h1..), and
    their values in order: the parameters of what follows it start after them."""
    parts, values = [], []
    for i, (sql, params) in enumerate(statements):
        name = names[i] if names else f"linli_h{i + 1}"
        parts.append(f'"{name}" AS ({shifted(sql, len(values))})')
        values.extend(params)
    return ("WITH " + ", ".join(parts) + " ") if parts else "", values
