"""The points award for a fulfilled wish: once confirmed, the volunteer's points go through
the ledger, once per wish, and the wish is closed.

Runs after the confirming message's transaction (the ledger keeps its own) and again from
the ``wish_awards`` sweep for anything a crash or a still-downloading proof photo left
behind. The ledger's idempotency key (``wish:W12:fulfilled:volunteer``) makes a repeat
return the first award instead of paying twice.
"""

from __future__ import annotations

import logging

from tortoise.transactions import in_transaction

from handlers.photos import MEDIA_LIFETIME
from handlers.wishes import notify, texts
from handlers.wishes.notify import say
from rewards.rules import apply_rule
from rewards.values import AwardResult
from storage import clock
from storage.core.models import Photo, PhotoStatus, Wish, WishStatus

log = logging.getLogger(__name__)

RULE = "wish_fulfilled_volunteer"


async def _proof_reused(wish: Wish) -> bool | None:
    """Whether the proof photo was used before; None while it is still being downloaded."""
    photo = await Photo.get_or_none(id=wish.proof_photo_id) if wish.proof_photo_id else None
    if photo is None:
        return False
    if photo.status is PhotoStatus.PENDING and clock.now() - photo.received_at < MEDIA_LIFETIME:
        return None
    return photo.reused


async def award_and_close(wish_id: int) -> AwardResult | None:
    """Award and close a confirmed wish; None when there is nothing to do yet."""
    wish = await Wish.get_or_none(id=wish_id)
    if wish is None or wish.status is not WishStatus.CONFIRMED or not wish.claimant_openid:
        return None
    reused = await _proof_reused(wish)
    if reused is None:
        return None  # the photo sweep has not decided yet; the awards sweep comes back
    result = await apply_rule(RULE, wish.claimant_openid, wish.number, {"reused_photo": reused})
    async with in_transaction():
        closed = await Wish.filter(id=wish.id, status=WishStatus.CONFIRMED).update(
            status=WishStatus.CLOSED, closed_at=clock.now(), points=result.amount)
        if closed == 1:
            event = await notify.record(wish, "closed", "scheduler", f"{result.amount} points")
            if result.amount:
                text = say(wish, texts.N_CLOSED, points=result.amount)
            else:
                why = texts.WHY_NO_POINTS.get(result.detail, result.detail)
                text = say(wish, texts.N_CLOSED_NO_POINTS, why=why)
            await notify.tell(wish, event, ([wish.claimant_openid], text))
    return result


async def try_award(wish_id: int) -> None:
    """Right after confirmation; on any failure the sweep tries again later."""
    try:
        await award_and_close(wish_id)
    except Exception:
        log.exception("awarding wish %s failed; the sweep will retry", wish_id)
