"""Category look-ups: what residents may choose, every category, one by code or name.

The table is kept in process while the reference facts' version stays the same
(``storage.facts``: database triggers bump it on any change, by whoever), so a menu, a
suggestion or a case's category costs no query of its own. The rows returned are shared:
read them, never change and save them.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.facts import Cached
from storage.geo.models import Category


@dataclass(frozen=True)
class _Table:
    ordered: tuple[Category, ...]  # every category, in the taxonomy's order
    by_code: dict[str, Category]


async def _load() -> _Table:
    rows = await Category.all().order_by("sort_order", "code")
    return _Table(tuple(rows), {c.code: c for c in rows})


_table = Cached(_load)


async def active_categories() -> list[Category]:
    """The categories a resident may choose, in the taxonomy's order."""
    return [c for c in (await _table.get()).ordered if c.active]


async def all_categories() -> list[Category]:
    return list((await _table.get()).ordered)


async def get_category(code: str) -> Category | None:
    """A category by code, active or not (old cases keep deactivated categories)."""
    return (await _table.get()).by_code.get(code)


async def active_by_name(name: str) -> Category | None:
    """An active category by its name (what a resident may type instead of its number)."""
    return next((c for c in (await _table.get()).ordered if c.active and c.name == name), None)
