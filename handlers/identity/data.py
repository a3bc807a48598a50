"""What a person holds, counted through the privacy inventory (``handlers.privacy``).

"Has data" means a row in any inventory table other than the bookkeeping ones: the profile
row itself, the person's other openids and recorded conflicts, the messages' dedup records
and queued pushes. A profile with a name, phone, building or a staff role counts as data.
"""

from __future__ import annotations

from tortoise.expressions import Q

from handlers.privacy.inventory import TABLES, Table
from handlers.privacy.queries import rows_of
from storage.core.models import Person

BOOKKEEPING = frozenset({"profile", "app_openids", "app_conflicts", "messages", "pushes"})


def movable() -> tuple[Table, ...]:
    """The tables whose rows follow a person when two people are joined: those naming the
    openid in a column of its own or inside a key (the ledger's transfer keys)."""
    return tuple(t for t in TABLES if t.kind not in ("profile", "app_openids", "app_conflicts")
                 and (t.openid or t.inside))


def _naming(table: Table, key: str):
    match = Q()
    for column in table.openid:
        match |= Q(**{column: key})
    for column in table.inside:
        match |= Q(**{f"{column}__contains": key})
    return table.model.filter(match)


async def counts(key: str) -> dict[str, int]:
    """Rows naming ``key`` per movable table (tables without any left out)."""
    found: dict[str, int] = {}
    for table in movable():
        n = await _naming(table, key).count()
        if n:
            found[table.kind] = found.get(table.kind, 0) + n
    return found


def profile_holds_data(person: Person) -> bool:
    return bool(person.name or person.phone or person.building or person.role.is_staff)


async def has_data(person: Person) -> bool:
    if profile_holds_data(person):
        return True
    for table in movable():
        if (table.kind not in BOOKKEEPING and table.openid
                and await rows_of(table, person.openid).exists()):
            return True
    return False
