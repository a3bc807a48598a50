"""The signed-in person's row, read on every request (a role changed in the database counts
at once), and for an operation with an ``Idempotency-Key`` the key's record in the same
statement: a new report costs one query before its transaction, not two.

One ``SELECT`` over ``person`` with a ``LEFT JOIN`` of ``processed_message`` on the key (at
most one row each: both columns are unique); the statement is built once per dialect.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import Tortoise

from storage.core.models import Person, ProcessedMessage


@dataclass(frozen=True)
class Previous:
    """What the database held for a request's idempotency key when the person was read:
    ``found`` a finished effect (``reply`` its stored response), or nothing yet."""

    found: bool
    reply: str | None = None


_SQL: dict[str, str] = {}
_FOUND, _REPLY = "linli_key_id", "linli_key_reply"


def _statement(dialect: str) -> str:
    if dialect not in _SQL:
        columns = ", ".join(f'p."{c}"' for c in Person._meta.fields_db_projection.values())
        key, openid = ("$1::text", "$2::text") if dialect == "postgres" else ("?", "?")
        _SQL[dialect] = (
            f'SELECT {columns}, m."id" AS "{_FOUND}", m."reply" AS "{_REPLY}" '
            f'FROM "{Person._meta.db_table}" p '
            f'LEFT JOIN "{ProcessedMessage._meta.db_table}" m ON m."dedup_key" = {key} '
            f'WHERE p."openid" = {openid} LIMIT 1')
    return _SQL[dialect]


async def person_and_previous(openid: str, dedup_key: str | None
                              ) -> tuple[Person | None, Previous | None]:
    """(the person or None, the key's record or None when no key was given)."""
    if dedup_key is None:
        return await Person.get_or_none(openid=openid), None
    conn = Tortoise.get_connection(Person._meta.default_connection or "default")
    rows = await conn.execute_query_dict(_statement(conn.capabilities.dialect),
                                         [dedup_key, openid])
    if not rows:
        return None, None
    row = dict(rows[0])
    found, reply = row.pop(_FOUND), row.pop(_REPLY)
    return Person._init_from_db(**row), Previous(found is not None, reply)
