"""Volunteers' claims: exactly one volunteer wins a wish (认领: a guarded update, row count
checked), holds it for a limited time (放弃 gives it back), sends proof (完成), and the
beneficiary (or the grid worker) confirms it (确认心愿) or sends it back (未完成).

Like ``posting``, every function runs inside the caller's transaction and raises a
``WishError`` to refuse, changing nothing. ``confirm`` registers the volunteer's points
(``awards.try_award``) to follow once that transaction commits: run it in
``storage.dedup.effect`` (or ``aftercommit.transaction``).
"""

from __future__ import annotations

import functools
from datetime import timedelta

from handlers import photos
from handlers.masking import mask_name
from handlers.wishes import awards, notify, render, texts
from handlers.wishes.access import may_confirm
from handlers.wishes.errors import NotAllowed, NotVolunteer, WrongState
from handlers.wishes.notify import say
from handlers.wishes.queries import get
from handlers.wishes.service.transitions import move
from storage import clock
from storage.aftercommit import on_commit
from storage.core.models import Person, Volunteer, Wish, WishStatus

CLAIM_TIME = timedelta(hours=72)
MAX_ACTIVE_CLAIMS = 3
DONE = (WishStatus.FULFILLED, WishStatus.CONFIRMED, WishStatus.CLOSED)


def claim_refusal(wish: Wish, openid: str) -> str:
    if wish.status is WishStatus.CLAIMED and wish.claimant_openid == openid:
        return texts.ALREADY_YOURS.format(number=wish.number,
                                          until=render.when(wish.claim_expires_at))
    if wish.status in DONE:
        return texts.ALREADY_DONE.format(number=wish.number)
    refusal = texts.NOT_OPEN.get(wish.status, texts.NOT_OPEN[WishStatus.CLAIMED])
    return refusal.format(number=wish.number)


def _to_posters(wish: Wish, template: str, volunteer: str, **values: str
                ) -> list[tuple[list[str | None], str]]:
    """What the poster and the beneficiary hear of the volunteer: residents read the name
    masked (陈**); a staff member who posted on someone's behalf reads it whole (the first
    message a person is named in wins)."""
    masked = (notify.poster(wish), say(wish, template, volunteer=mask_name(volunteer), **values))
    if not wish.on_behalf:
        return [masked]
    return [([wish.poster_openid], say(wish, template, volunteer=volunteer, **values)), masked]

async def claim(wish_id: int, openid: str) -> Wish:
    volunteer = await Volunteer.get_or_none(openid=openid)
    if volunteer is None:
        raise NotVolunteer(texts.NOT_VOLUNTEER)
    wish = await get(wish_id)
    if openid in (wish.poster_openid, wish.beneficiary_openid):
        raise NotAllowed(texts.OWN_WISH)
    if wish.status is not WishStatus.OPEN:
        raise WrongState(claim_refusal(wish, openid))
    active = await Wish.filter(claimant_openid=openid, status=WishStatus.CLAIMED).count()
    if active >= MAX_ACTIVE_CLAIMS:
        raise WrongState(texts.TOO_MANY_CLAIMS.format(count=active))
    now = clock.now()
    won = await Wish.filter(id=wish.id, status=WishStatus.OPEN).update(
        status=WishStatus.CLAIMED, claimant_openid=openid, claimed_at=now,
        claim_expires_at=now + CLAIM_TIME, claim_reminded_at=None)
    if won != 1:  # someone else won the race a moment ago
        raise WrongState(claim_refusal(await get(wish.id), openid))
    wish = await get(wish.id)
    event = await notify.record(wish, "claimed", openid)
    until = render.when(wish.claim_expires_at)
    await notify.tell(
        wish, event,
        *_to_posters(wish, texts.N_CLAIMED, volunteer.name, until=until),
        (await notify.grid_workers(wish),
         say(wish, texts.N_CLAIMED_GRID, volunteer=volunteer.name, until=until)))
    return wish


async def held_by(wish_id: int, openid: str) -> Wish:
    """The wish if ``openid`` holds its active claim; else the reason why not."""
    wish = await get(wish_id)
    if wish.claimant_openid != openid:
        raise NotAllowed(texts.NOT_CLAIMANT.format(number=wish.number))
    if wish.status is not WishStatus.CLAIMED:
        raise WrongState(texts.NOT_CLAIMED.format(number=wish.number,
                                                  status=texts.STATUS_NAMES[wish.status]))
    return wish


async def release(wish_id: int, openid: str) -> Wish:
    wish = await held_by(wish_id, openid)
    wish = await move(wish, [WishStatus.CLAIMED], texts.NOT_CLAIMED, status=WishStatus.OPEN,
                      claimant_openid=None, claimed_at=None, claim_expires_at=None)
    event = await notify.record(wish, "released", openid)
    await notify.tell(wish, event, (notify.poster(wish), say(wish, texts.N_RELEASED)))
    return wish


async def complete(wish_id: int, openid: str, media_id: str, note: str) -> Wish:
    """Proof sent: the wish waits for the beneficiary's (or grid worker's) confirmation."""
    wish = await held_by(wish_id, openid)
    photo = await photos.attach(media_id, "wish_proof", wish.number, openid)
    wish = await move(wish, [WishStatus.CLAIMED], texts.NOT_CLAIMED, status=WishStatus.FULFILLED,
                      proof_photo_id=photo.id, proof_note=note[:255], fulfilled_at=clock.now(),
                      claim_expires_at=None)
    event = await notify.record(wish, "fulfilled", openid, note)
    volunteer = await Volunteer.get_or_none(openid=openid)
    name = volunteer.name if volunteer else ""
    await notify.tell(
        wish, event,
        *_to_posters(wish, texts.N_FULFILLED, name, note=note or texts.N_NO_NOTE),
        (await notify.grid_workers(wish),
         say(wish, texts.N_FULFILLED_GRID, volunteer=name, name=wish.beneficiary_name)))
    return wish


async def confirm(wish_id: int, person: Person) -> Wish:
    # The points once this commits (the ledger keeps its own transaction); registered
    # before any write, so a caller outside a transaction fails having changed nothing.
    on_commit(functools.partial(awards.try_award, wish_id))
    wish = await get(wish_id)
    if not may_confirm(wish, person):
        raise NotAllowed(texts.NOT_CONFIRMER.format(number=wish.number))
    wish = await move(wish, [WishStatus.FULFILLED], texts.NOT_FULFILLED,
                      status=WishStatus.CONFIRMED, confirmed_at=clock.now(),
                      confirmed_by=person.openid)
    event = await notify.record(wish, "confirmed", person.openid)
    await notify.tell(wish, event, ([wish.claimant_openid], say(wish, texts.N_CONFIRMED)))
    return wish


async def dispute(wish_id: int, person: Person, reason: str) -> Wish:
    """未完成: back to the volunteer with the reason and a fresh time limit."""
    wish = await get(wish_id)
    if not may_confirm(wish, person):
        raise NotAllowed(texts.NOT_CONFIRMER.format(number=wish.number))
    until = clock.now() + CLAIM_TIME
    wish = await move(wish, [WishStatus.FULFILLED], texts.NOT_FULFILLED,
                      status=WishStatus.CLAIMED, claim_expires_at=until, claim_reminded_at=None,
                      proof_photo_id=None, proof_note="", fulfilled_at=None)
    event = await notify.record(wish, "disputed", person.openid, reason)
    await notify.tell(wish, event, ([wish.claimant_openid], say(
        wish, texts.N_DISPUTED, reason=reason, until=render.when(until))))
    return wish
