"""Who may +1 a case: only a case the person could see anyway.

That is a case offered to them as a nearby duplicate (the chat's 是 after "是不是这个？",
``Supporter.via`` "offered"), or an open case within its category's duplicate radius
(``Category.duplicate_radius_m``; 0 = never merged, never +1'd) of a location they send
(the API, "nearby": the point ``GET /reports/nearby`` was asked about). A case number alone
opens nothing: anything else - a far or missing location, a case that does not exist, is
hidden, closed - is refused with one message that does not say whether the case exists.
The reporter, a supporter and staff who may act, who know the case already, hear its real
state (own case, no longer open, already +1'd).

Supporters see the public view of the case (``resident.case_view``), and earn the
supporter's points only for supports made this way (``closing``).
"""

from __future__ import annotations

from handlers.geo.categories import get_category
from handlers.geo.projection import distance_m
from handlers.reports import resident, service
from handlers.reports.errors import UnknownCase
from storage.core.models import Person
from storage.reports.models import OPEN_STATUSES, SUPPORT_NEARBY, Case, Supporter

NOT_NEARBY = ("您所在位置附近没有可以 +1 的案件 {number}。只能为附近同类、仍在办理中的问题 +1："
              "请在问题所在的位置查看附近的上报。")


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
    return await resident.may_see(case, person, any_staff=False)


async def support_nearby(number: str, person: Person, lat: float | None, lng: float | None,
                         media_ids: list[str] | None = None) -> tuple[Case, bool]:
    """+1 case ``number`` from (lat, lng): (the case, whether added).

    UnknownCase (NOT_NEARBY) unless the case is open and near, or already known to the
    person; then OwnCase, WrongState or "already" as ``service.support_case`` says.
    """
    case = await Case.get_or_none(number=number)
    if case is not None and await _knows(case, person) and (
            case.reporter_openid == person.openid or case.status not in OPEN_STATUSES
            or await Supporter.exists(case_id=case.id, openid=person.openid)):
        return case, await service.support_case(case, person.openid, media_ids,
                                                via=SUPPORT_NEARBY)
    if case is None or case.status not in OPEN_STATUSES or not await within_radius(
            case, lat, lng):
        raise UnknownCase(NOT_NEARBY.format(number=number))
    return case, await service.support_case(case, person.openid, media_ids, via=SUPPORT_NEARBY)
