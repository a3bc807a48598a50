"""Sweeps over wish state (bot/scheduler.py JOBS): claim reminders, claim expiry, awards.

Each item is its own transaction inside its own try/except, guarded so that two sweepers
or a rerun change it once: a reminder is sent once per claim (``claim_reminded_at``), an
expiry only moves a claim whose time is really up, an award is keyed per wish.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from handlers.wishes import awards, notify, render, texts
from handlers.wishes.notify import say
from storage import clock
from storage.core.models import Wish, WishStatus

if TYPE_CHECKING:
    from handlers.context import Services

log = logging.getLogger(__name__)

REMIND_BEFORE = timedelta(hours=24)
BATCH = 100
ACTOR = "scheduler"


async def remind(wish: Wish) -> bool:
    now = clock.now()
    sent = await Wish.filter(
        id=wish.id, status=WishStatus.CLAIMED, claimant_openid=wish.claimant_openid,
        claim_reminded_at=None, claim_expires_at__gt=now,
        claim_expires_at__lte=now + REMIND_BEFORE).update(claim_reminded_at=now)
    if sent != 1:
        return False
    event = await notify.record(wish, "reminded", ACTOR)
    await notify.tell(wish, event, ([wish.claimant_openid],
                                    say(wish, texts.N_REMIND, until=render.when(wish.claim_expires_at))))
    return True


async def expire(wish: Wish) -> bool:
    """A claim whose time ran out: the wish is open again and both sides hear of it."""
    expired = await Wish.filter(
        id=wish.id, status=WishStatus.CLAIMED, claimant_openid=wish.claimant_openid,
        claim_expires_at__lte=clock.now()).update(
        status=WishStatus.OPEN, claimant_openid=None, claimed_at=None, claim_expires_at=None,
        claim_reminded_at=None)
    if expired != 1:
        return False
    event = await notify.record(wish, "expired", ACTOR, wish.claimant_openid or "")
    await notify.tell(wish, event,
                      ([wish.claimant_openid], say(wish, texts.N_EXPIRED_VOLUNTEER)),
                      (notify.poster(wish), say(wish, texts.N_EXPIRED_POSTER)))
    return True


async def _each(rows: list[Wish], step: Callable[[Wish], Awaitable[bool]]) -> int:
    done = 0
    for wish in rows:
        try:
            async with in_transaction():
                done += bool(await step(wish))
        except Exception:
            log.exception("wish sweep %s failed on %s", step.__name__, wish.number)
    return done


async def remind_due(limit: int = BATCH) -> int:
    now = clock.now()
    rows = await Wish.filter(status=WishStatus.CLAIMED, claim_reminded_at=None,
                             claim_expires_at__gt=now,
                             claim_expires_at__lte=now + REMIND_BEFORE
                             ).order_by("claim_expires_at").limit(limit)
    return await _each(rows, remind)


async def expire_due(limit: int = BATCH) -> int:
    rows = await Wish.filter(status=WishStatus.CLAIMED, claim_expires_at__lte=clock.now()
                             ).order_by("claim_expires_at").limit(limit)
    return await _each(rows, expire)


async def award_due(limit: int = BATCH) -> int:
    ids = await Wish.filter(status=WishStatus.CONFIRMED).order_by("confirmed_at").limit(
        limit).values_list("id", flat=True)
    done = 0
    for wish_id in ids:
        try:
            done += await awards.award_and_close(wish_id) is not None
        except Exception:
            log.exception("wish sweep: awarding W%s failed", wish_id)
    return done


async def sweep_claims(services: Services) -> None:
    """Job ``wish_claims``: reminders 24 h before a claim runs out, then expiries."""
    await remind_due()
    await expire_due()


async def sweep_awards(services: Services) -> None:
    """Job ``wish_awards``: close confirmed wishes whose points are not yet awarded."""
    await award_due()

