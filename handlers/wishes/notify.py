"""Who hears about a wish's changes. Every message goes through the outbox, keyed by the
history event that caused it, so a change is announced once however often it is retried.

None of them is urgent: they wait out the quiet hours (22:00-07:00). No wish work has a
deadline measured in hours - an admin's review has no SLA, a claim runs for days and its
reminder comes 24 h ahead, a needed-by date is a day - so nothing here is staff work that must
be done before the morning (compare ``handlers.reports.urgency``)."""

from __future__ import annotations

from collections.abc import Iterable

from handlers import outbox
from storage import clock
from storage.core.models import Person, Role, Wish, WishEvent


async def record(wish: Wish, kind: str, actor: str, note: str = "") -> WishEvent:
    """Add a line to the wish's history."""
    return await WishEvent.create(wish_id=wish.id, kind=kind, actor=actor, note=note[:255],
                                  created_at=clock.now())


def say(wish: Wish, template: str, **extra: object) -> str:
    return template.format(number=wish.number, title=wish.title, **extra)


async def tell(wish: Wish, event: WishEvent,
               *messages: tuple[Iterable[str | None], str]) -> None:
    """Send each (recipients, text); a person named twice gets only the first message."""
    told: set[str] = set()
    for openids, text in messages:
        for openid in openids:
            if openid and openid not in told:
                told.add(openid)
                key = f"wish:{wish.number}:{event.id}:{openid}"
                await outbox.enqueue(openid, text, key=key)


def poster(wish: Wish) -> list[str | None]:
    """The poster and, when they have WeChat, the beneficiary (often the same person)."""
    return [wish.poster_openid, wish.beneficiary_openid]


async def admins() -> list[str]:
    return list(await Person.filter(role=Role.ADMIN).values_list("openid", flat=True))


async def grid_workers(wish: Wish) -> list[str]:
    if not wish.grid:
        return []
    return list(await Person.filter(role=Role.GRID_WORKER, grid=wish.grid)
                .values_list("openid", flat=True))
