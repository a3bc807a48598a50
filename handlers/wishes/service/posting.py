"""Posting and moderating wishes: draft, submit/post (许愿), approve, reject, cancel.

Plain functions over ids and explicit actors. Each runs inside the caller's transaction
(a chat message's ``ctx.effect()``, or ``in_transaction()`` in the CLI): a refusal raises a
``WishError`` and so changes nothing. Every change is a guarded update (the expected status
in the filter, the row count checked) plus a history event plus outbox notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from handlers import photos
from handlers.geo import known
from handlers.wishes import notify, texts
from handlers.wishes.errors import BadInput, NotAllowed
from handlers.wishes.notify import say
from handlers.wishes.parse import BadDate, check_date, community_of, phone
from handlers.wishes.queries import get
from handlers.wishes.service.transitions import move
from storage import clock
from storage.core.models import Person, Role, Wish, WishKind, WishStatus

POSTING_FOR_OTHERS = frozenset({Role.GRID_WORKER, Role.ADMIN})
SELF_WORDS = ("本人", "自己", "我")
DATE_REFUSALS = {"past": texts.DATE_PAST, "far": texts.DATE_FAR}


@dataclass(frozen=True)
class WishDraft:
    """A wish about to be posted, as plain values (the 许愿 conversation's answers)."""

    title: str
    kind: WishKind
    details: str = ""
    needed_by: date | None = None
    address: str = ""
    phone: str = ""
    community: str | None = None
    lat: float | None = None
    lng: float | None = None
    media_id: str | None = None  # a WeChat MediaId, or an upload ("up_...") of the poster's
    beneficiary: str | None = None  # a name: posted on behalf (grid workers and admins only)

    @classmethod
    def from_chat(cls, data: dict[str, Any]) -> WishDraft:
        """The draft the 许愿 steps collected in the conversation's data."""
        due = data.get("needed_by")
        return cls(title=data["title"], kind=WishKind(data["kind"]),
                   details=data.get("details", ""),
                   needed_by=date.fromisoformat(due) if due else None,
                   address=data.get("address", ""), phone=data.get("phone", ""),
                   community=data.get("community"), lat=data.get("lat"), lng=data.get("lng"),
                   media_id=data.get("media_id") or None,
                   beneficiary=data.get("beneficiary") or None)


def draft(poster: Person, *, title: str, kind: WishKind, details: str = "",
          needed_by: date | None = None, address: str, phone_number: str = "",
          lat: float | None = None, lng: float | None = None, media_id: str | None = None,
          beneficiary: str | None = None, today: date | None = None) -> WishDraft:
    """A draft from answers given all at once (the mini-program's form), checked as the
    许愿 steps check each answer; BadInput (or NotAllowed for posting on behalf without
    the role) with the chat's words. The community is read from the address, as in chat."""
    name = _beneficiary(poster, beneficiary)
    title = title.strip()
    if not 2 <= len(title) <= 30:
        raise BadInput(texts.TITLE_BAD)
    details = details.strip()
    if len(details) > 300:
        raise BadInput(texts.DETAILS_BAD)
    if needed_by is not None:
        try:
            check_date(needed_by, today or clock.local().date())
        except BadDate as exc:
            raise BadInput(DATE_REFUSALS.get(exc.reason, texts.DATE_BAD)) from None
    address = address.strip()
    if not 4 <= len(address) <= 100:
        raise BadInput(texts.ADDRESS_BAD)
    number = phone(phone_number) if phone_number.strip() else ""
    if number is None:
        raise BadInput(texts.PHONE_BAD)
    if (lat is None) != (lng is None):
        raise BadInput(texts.BAD_POINT)
    return WishDraft(title=title, kind=kind, details=details, needed_by=needed_by,
                     address=address, phone=number, community=community_of(address, poster.org),
                     lat=lat, lng=lng, media_id=media_id, beneficiary=name or None)


def _beneficiary(poster: Person, beneficiary: str | None) -> str:
    """Whom the wish is for: a name when posted on behalf, "" when for the poster."""
    name = (beneficiary or "").strip()
    if name in SELF_WORDS:
        name = ""
    if name and poster.role not in POSTING_FOR_OTHERS:
        raise NotAllowed(texts.NOT_FOR_OTHERS)
    if len(name) > 20:
        raise BadInput(texts.NAME_BAD)
    return name


async def submit(data: dict[str, Any], poster: Person) -> Wish:
    """A new wish from a finished 许愿 conversation (its data)."""
    return await post(WishDraft.from_chat(data), poster)


async def post(draft: WishDraft, poster: Person) -> Wish:
    """A new wish, submitted for review; admins are told it awaits approval.

    On behalf of ``draft.beneficiary`` only for grid workers and admins (the wish then
    belongs to the worker's grid); anyone else posts for themself.
    """
    for_other = bool(draft.beneficiary) and poster.role in POSTING_FOR_OTHERS
    wish = await Wish.create(
        kind=draft.kind, title=draft.title, details=draft.details,
        poster_openid=poster.openid, on_behalf=for_other,
        beneficiary_name=(draft.beneficiary or "") if for_other else poster.name,
        beneficiary_openid=None if for_other else poster.openid,
        phone=draft.phone, address=draft.address,
        community=draft.community, grid=poster.grid if for_other else None,
        lat=draft.lat, lng=draft.lng, needed_by=draft.needed_by, created_at=clock.now())
    if draft.media_id:
        photo = await photos.attach(draft.media_id, "wish", wish.number, poster.openid)
        wish.photo_id = photo.id
        await wish.save(update_fields=["photo_id"])
    event = await notify.record(wish, "submitted", poster.openid)
    await notify.tell(wish, event, (await notify.admins(), say(wish, texts.N_NEW)))
    return wish


async def approve(wish_id: int, actor: str, grid: str | None = None) -> Wish:
    wish = await get(wish_id)
    changes: dict[str, Any] = {"status": WishStatus.OPEN}
    if grid:
        try:  # a grid that does not exist is refused, naming those that do
            changes["grid"] = await known.check_grid(grid)
        except known.UnknownName as exc:
            raise BadInput(str(exc)) from None
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
