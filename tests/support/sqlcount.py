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
_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE|JOIN)\s+"?(\w+)"?', re.IGNORECASE)
_VERB = re.compile(r"\s*(\w+)")
_MAIN = re.compile(r"\b(INSERT|SELECT|UPDATE|DELETE)\b", re.IGNORECASE)


def _top(sql: str) -> str:
    """``sql`` with everything inside parentheses left out: the statement's own clauses."""
    out, depth = [], 0
    for ch in sql:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def label(sql: str) -> str:
    """"SELECT reports_case", "INSERT core_outboxmessage", "BEGIN", "SAVEPOINT"...; a
    statement with data-modifying ``WITH`` parts is named after its main part, the tables of
    the parts that write after it: "INSERT processed_message +outbox_message"."""
    match = _VERB.match(sql)
    verb = match.group(1).upper() if match else "?"
    if verb in ("RELEASE", "ROLLBACK") and "SAVEPOINT" in sql.upper():
        return f"{verb} SAVEPOINT"
    if verb in ("BEGIN", "COMMIT"):
        return verb
    top = _top(sql)
    parts = ""
    if verb == "WITH":  # name it after its main statement, after the WITH list
        main = _MAIN.search(top)
        verb = main.group(1).upper() if main else "WITH"
        top = top[main.start():] if main else top
        written = [m.group(1) for m in _TABLE.finditer(sql) if m.group(0).upper().startswith(
            ("INTO", "UPDATE"))]
        table = _main_table(top)
        others = [t for t in dict.fromkeys(written) if t != table]
        parts = "".join(f" +{t}" for t in others)
    name = _main_table(top) or _main_table(sql)
    return f"{verb} {name}{parts}" if name else verb


def _main_table(sql: str) -> str | None:
    """The first table named in ``sql`` (a subquery in FROM skipped: its alias is no table)."""
    for match in _TABLE.finditer(sql):
        if match.group(1).upper() not in ("AS", "LATERAL", "SELECT"):
            return match.group(1)
    return None


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
