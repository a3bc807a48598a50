"""Category look-ups: what residents may choose, every category, one by code."""

from __future__ import annotations

from storage import readonce
from storage.geo.models import Category


async def active_categories() -> list[Category]:
    """The categories a resident may choose, in the taxonomy's order."""
    return await Category.filter(active=True).order_by("sort_order", "code")


async def all_categories() -> list[Category]:
    return await Category.all().order_by("sort_order", "code")


async def get_category(code: str) -> Category | None:
    """A category by code, active or not (old cases keep deactivated categories); read
    once per ``readonce.scope`` (a report's 确认, the API's create)."""
    return await readonce.read(("category", code), lambda: Category.get_or_none(code=code))
