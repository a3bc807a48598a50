"""Who may look at a stored photo: whoever may see what it belongs to.

A report's photos and its after-photo: the case's reporter and staff who may act on it
(``reports.queries.may_see`` as the API reads cases); a supporter sees the after-photo and
their own photos of the report, never the reporter's or another supporter's. A wish's photo: whoever may
see the wish; its proof photo: only the wish's people (poster, beneficiary, claimant, who may
confirm, admins), as the proof's note. An upload not yet attached: its uploader. Anything
else: its sender and admins. A photo one may not see is unknown, as if there were none.
"""

from __future__ import annotations

from handlers import photos, texts
from handlers.errors import Refusal
from handlers.reports import queries as report_queries
from handlers.reports.staff.notify import AFTER
from handlers.wishes import access, parse
from storage.core.models import Person, Photo, PhotoStatus, Role, Wish
from storage.reports.models import Case


class UnknownPhoto(Refusal):
    code = "photo_not_found"


class PhotoNotReady(Refusal):
    code = "photo_not_ready"


async def _may_see(photo: Photo, person: Person) -> bool:
    kind = photo.owner_kind
    if kind == photos.UPLOAD:
        return photo.openid == person.openid
    if kind in ("report", AFTER):
        case = await Case.get_or_none(number=photo.owner_id)
        if case is None or not await report_queries.may_see(case, person, any_staff=False):
            return False
        return (kind == AFTER or photo.openid == person.openid
                or await report_queries.sees_private(case, person))
    if kind in ("wish", "wish_proof"):
        wish_id = parse.wish_number(photo.owner_id)
        wish = await Wish.get_or_none(id=wish_id) if wish_id else None
        if wish is None:
            return False
        return access.involved(wish, person) if kind == "wish_proof" else access.may_view(
            wish, person)
    return photo.openid == person.openid or person.role is Role.ADMIN


async def viewable(photo_id: int, person: Person) -> Photo:
    """The stored photo if ``person`` may look at it; UnknownPhoto, PhotoNotReady if not."""
    photo = await Photo.get_or_none(id=photo_id)
    if photo is None or not await _may_see(photo, person):
        raise UnknownPhoto(texts.PHOTO_UNKNOWN)
    if photo.status is PhotoStatus.PENDING:
        raise PhotoNotReady(texts.PHOTO_NOT_READY)
    if photo.status is not PhotoStatus.STORED or not photo.path:
        raise UnknownPhoto(texts.PHOTO_UNKNOWN)  # expired at WeChat, or refused: there is nothing to show
    return photo
