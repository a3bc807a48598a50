"""The guarded status change every wish use case makes: the expected status in the filter,
the row count checked, so two people acting at once change a wish once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from handlers.wishes import texts
from handlers.wishes.errors import WrongState
from handlers.wishes.queries import get
from storage.core.models import Wish, WishStatus


async def move(wish: Wish, expected: Iterable[WishStatus], refusal: str, **changes: Any) -> Wish:
    """Change ``wish`` only if it is still in an ``expected`` status; else raise WrongState."""
    updated = await Wish.filter(id=wish.id, status__in=list(expected)).update(**changes)
    if updated != 1:
        current = await get(wish.id)
        raise WrongState(refusal.format(number=wish.number,
                                        status=texts.STATUS_NAMES[current.status]))
    return await get(wish.id)
