"""Posting and moderating wishes: submit, approve, reject, cancel.

Plain functions over ids and explicit actors. Each runs inside the caller's transaction
(a chat message's ``ctx.effect()``, or ``in_transaction()`` in the CLI): a refusal raises a
``WishError`` and so changes nothing. Every change is a guarded update (the expected status
in the filter, the row count checked) plus a history event plus outbox notifications.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from handlers import photos
from handlers.wishes import notify, texts
from handlers.wishes.errors import BadInput, NotAllowed, UnknownWish, WrongState
from handlers.wishes.notify import say
from storage import clock
from storage.models import Person, Role, Wish, WishKind, WishStatus

POSTING_FOR_OTHERS = frozenset({Role.GRID_WORKER, Role.ADMIN})


async def get(wish_id: int | None) -> Wish:
    wish = await Wish.get_or_none(id=wish_id) if wish_id else None
    if wish is None:
        raise UnknownWish(texts.UNKNOWN_WISH.format(number=f"W{wish_id}" if wish_id else ""))
    return wish


async def move(wish: Wish, expected: Iterable[WishStatus], refusal: str, **changes: Any) -> Wish:
    """Change ``wish`` only if it is still in an ``expected`` status; else raise WrongState."""
    updated = await Wish.filter(id=wish.id, status__in=list(expected)).update(**changes)
    if updated != 1:
        current = await get(wish.id)
        raise WrongState(refusal.format(number=wish.number,
                                        status=texts.STATUS_NAMES[current.status]))
    return await get(wish.id)


async def submit(draft: dict[str, Any], poster: Person) -> Wish:
    """A new wish from a finished 许愿 conversation; admins are told it awaits approval."""
    for_other = bool(draft.get("beneficiary")) and poster.role in POSTING_FOR_OTHERS
    due = draft.get("needed_by")
    wish = await Wish.create(
        kind=WishKind(draft["kind"]), title=draft["title"], details=draft.get("details", ""),
        poster_openid=poster.openid, on_behalf=for_other,
        beneficiary_name=draft["beneficiary"] if for_other else poster.name,
        beneficiary_openid=None if for_other else poster.openid,
        phone=draft.get("phone", ""), address=draft.get("address", ""),
        community=draft.get("community"), grid=poster.grid if for_other else None,
        lat=draft.get("lat"), lng=draft.get("lng"),
        needed_by=date.fromisoformat(due) if due else None, created_at=clock.now())
    if draft.get("media_id"):
        photo = await photos.attach(draft["media_id"], "wish", wish.number, poster.openid)
        wish.photo_id = photo.id
        await wish.save(update_fields=["photo_id"])
    event = await notify.record(wish, "submitted", poster.openid)
    await notify.tell(wish, event, (await notify.admins(), say(wish, texts.N_NEW)))
    return wish


async def approve(wish_id: int, actor: str, grid: str | None = None) -> Wish:
    wish = await get(wish_id)
    changes: dict[str, Any] = {"status": WishStatus.OPEN}
    if grid:
        changes["grid"] = grid.upper()
    wish = await move(wish, [WishStatus.SUBMITTED], texts.NOT_SUBMITTED, **changes)
    event = await notify.record(wish, "approved", actor, f"grid {grid}" if grid else "")
    await notify.tell(wish, event, (notify.poster(wish), say(wish, texts.N_APPROVED)))
    return wish


async def reject(wish_id: int, actor: str, reason: str) -> Wish:
    reason = reason.strip()
    wish = await get(wish_id)
    if not reason:
        raise BadInput(texts.NEED_REASON.format(keyword="退回", number=wish.number))
    wish = await move(wish, [WishStatus.SUBMITTED], texts.NOT_SUBMITTED,
                      status=WishStatus.REJECTED, reject_reason=reason[:255])
    event = await notify.record(wish, "rejected", actor, reason)
    await notify.tell(wish, event,
                      (notify.poster(wish), say(wish, texts.N_REJECTED, reason=reason)))
    return wish


async def cancel(wish_id: int, person: Person) -> Wish:
    """The poster or an admin withdraws a wish that is not yet fulfilled."""
    wish = await get(wish_id)
    if person.openid != wish.poster_openid and person.role is not Role.ADMIN:
        raise NotAllowed(texts.NOT_CANCELLER.format(number=wish.number))
    claimant = wish.claimant_openid if wish.status is WishStatus.CLAIMED else None
    wish = await move(wish, [WishStatus.SUBMITTED, WishStatus.OPEN, WishStatus.CLAIMED],
                      texts.CANNOT_CANCEL, status=WishStatus.CANCELLED, claim_expires_at=None)
    event = await notify.record(wish, "cancelled", person.openid)
    await notify.tell(wish, event, ([claimant], say(wish, texts.N_CANCELLED)))
    return wish
