"""+1 (support) a case: who may, and adding the supporter.

Only a case the person could see anyway.

That is a case offered to them as a nearby duplicate (the chat's 是 after "是不是这个？",
``Supporter.via`` "offered"), or an open case within its category's duplicate radius
(``Category.duplicate_radius_m``; 0 = never merged, never +1'd) of a location they send
(the API, "nearby": the point ``GET /reports/nearby`` was asked about). A case number alone
opens nothing: anything else - a far or missing location, a case that does not exist, is
hidden, closed - is refused with one message that does not say whether the case exists.
The reporter, a supporter and staff who may act, who know the case already, hear its real
state (own case, no longer open, already +1'd).

Supporters see the public view of the case (``queries.case_view``), and earn the
supporter's points only for supports made this way (``awards``).
"""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from handlers import photos
from handlers.categories.queries import get_category
from handlers.geo.projection import distance_m
from handlers.reports import queries, texts
from handlers.reports.errors import OwnCase, UnknownCase, WrongState
from handlers.reports.lifecycle import transition
from handlers.reports.service.cases import transaction
from storage.core.models import Person
from storage.reports.models import OPEN_STATUSES, SUPPORT_NEARBY, Case, Supporter


async def within_radius(case: Case, lat: float | None, lng: float | None) -> bool:
    """Whether (lat, lng) lies within the duplicate radius of ``case``'s category."""
    if lat is None or lng is None or case.lat is None or case.lng is None:
        return False
    category = await get_category(case.category_code)
    if category is None or category.duplicate_radius_m <= 0:
        return False
    return distance_m(lat, lng, case.lat, case.lng) <= category.duplicate_radius_m


async def _knows(case: Case, person: Person) -> bool:
    """The reporter, a supporter, staff who may act: told the case's real state."""
    return await queries.may_see(case, person, any_staff=False)


async def support_nearby(number: str, person: Person, lat: float | None, lng: float | None,
                         media_ids: list[str] | None = None) -> tuple[Case, bool]:
    """+1 case ``number`` from (lat, lng): (the case, whether added).

    UnknownCase (texts.SUPPORT_NOT_NEARBY) unless the case is open and near, or already known to the
    person; then OwnCase, WrongState or "already" as ``support_case`` says.
    """
    case = await Case.get_or_none(number=number)
    if case is not None and await _knows(case, person) and (
            case.reporter_openid == person.openid or case.status not in OPEN_STATUSES
            or await Supporter.exists(case_id=case.id, openid=person.openid)):
        return case, await support_case(case, person.openid, media_ids,
                                                via=SUPPORT_NEARBY)
    if case is None or case.status not in OPEN_STATUSES or not await within_radius(
            case, lat, lng):
        raise UnknownCase(texts.SUPPORT_NOT_NEARBY.format(number=number))
    return case, await support_case(case, person.openid, media_ids, via=SUPPORT_NEARBY)


async def add_supporter(case: Case, openid: str, using_db: Any = None, *, via: str) -> bool:
    """+1: False when it is the person's own case or they already support it.

    ``via`` says how the person came to it (``Supporter.via``); the caller checked that they
    may (``support_nearby``, or the chat's offered duplicate).
    """
    if openid == case.reporter_openid:
        return False
    async with transaction(using_db) as conn:
        if await Supporter.filter(case_id=case.id, openid=openid).using_db(conn).exists():
            return False
        try:
            async with in_transaction() as savepoint:  # a lost race keeps the outer intact
                await Supporter.create(case_id=case.id, openid=openid, via=via,
                                       using_db=savepoint)
        except IntegrityError:  # the same person's +1 arrived twice at once
            return False
        await Case.filter(id=case.id).using_db(conn).update(
            supporters_count=F("supporters_count") + 1)
        case.supporters_count += 1
        await transition(case, "support", openid, using_db=conn)
    return True


async def support_case(case: Case, openid: str, media_ids: list[str] | None = None,
                       using_db: Any = None, *, via: str) -> bool:
    """+1 an open case, with the supporter's own photos of the problem (as the chat's 是).

    True when added, False when ``openid`` already supports it; OwnCase for the reporter,
    WrongState for a case no longer open.
    """
    if openid == case.reporter_openid:
        raise OwnCase(texts.SUPPORT_OWN_CASE.format(number=case.number))
    if case.status not in OPEN_STATUSES:
        raise WrongState(texts.SUPPORT_NOT_OPEN.format(number=case.number))
    async with transaction(using_db) as conn:
        added = await add_supporter(case, openid, conn, via=via)
        for media_id in dict.fromkeys(media_ids or []):
            await photos.attach(media_id, "report", case.number, openid)
    return added
