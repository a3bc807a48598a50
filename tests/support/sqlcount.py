"""Counting the SQL statements an operation sends (no tests here).

``count_statements()`` patches the database drivers themselves (asyncpg's ``Connection`` and
aiosqlite's ``Connection``), so every round trip is seen whichever tortoise path sent it:
queries, inserts, bulk inserts, and the transaction's own BEGIN / SAVEPOINT / COMMIT.
``Statements.profile()`` names each one by verb and table ("SELECT geo_category",
"INSERT reports_case", "BEGIN") - the per-operation profile of docs/benchmarks.md.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiosqlite
import asyncpg

_ASYNCPG = ("execute", "executemany", "fetch", "fetchrow", "fetchval")
_AIOSQLITE = ("execute", "execute_insert", "execute_fetchall", "executemany", "executescript",
              "commit", "rollback")
_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)
_VERB = re.compile(r"\s*(\w+)")


def label(sql: str) -> str:
    """"SELECT reports_case", "INSERT core_outboxmessage", "BEGIN", "SAVEPOINT"..."""
    match = _VERB.match(sql)
    verb = match.group(1).upper() if match else "?"
    if verb in ("RELEASE", "ROLLBACK") and "SAVEPOINT" in sql.upper():
        return f"{verb} SAVEPOINT"
    if verb == "WITH":  # a CTE: name the statement after its main verb
        verb = "WITH"
    table = _TABLE.search(sql)
    return f"{verb} {table.group(1)}" if table and verb not in ("BEGIN", "COMMIT") else verb


@dataclass
class Statements:
    sql: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sql)

    def labels(self) -> list[str]:
        return [label(s) for s in self.sql]

    def profile(self) -> Counter[str]:
        return Counter(self.labels())

    def show(self) -> str:
        """One line per label, most frequent first, then the total."""
        lines = [f"{n:4d}  {name}" for name, n in sorted(self.profile().items(),
                                                      key=lambda kv: (-kv[1], kv[0]))]
        return "\n".join([*lines, f"{len(self):4d}  total"])


def _wrap(original: Any, name: str, record: Statements) -> Any:
    async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        sql = args[0] if args and isinstance(args[0], str) else name.upper()
        record.sql.append(sql)
        return await original(self, *args, **kwargs)

    return counted


@contextmanager
def count_statements() -> Iterator[Statements]:
    """Every statement sent to PostgreSQL or SQLite inside the block, in order."""
    record = Statements()
    patched: list[tuple[type, str, Any]] = []
    for cls, names in ((asyncpg.connection.Connection, _ASYNCPG),
                       (aiosqlite.Connection, _AIOSQLITE)):
        for name in names:
            original = cls.__dict__[name]
            patched.append((cls, name, original))
            setattr(cls, name, _wrap(original, name, record))
    try:
        yield record
    finally:
        for cls, name, original in patched:
            setattr(cls, name, original)
