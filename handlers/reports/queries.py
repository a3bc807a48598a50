"""What residents may see of cases: their list, one case for a viewer (read-only).

The chat's ``我的上报`` and ``查 A1234`` (``flows.mine``) and the API read cases through these.

Residents see the cases they reported or supported (+1); staff and admins any case in chat
(the API narrows staff to the cases they may act on: ``may_see(..., any_staff=False)``).
The answers to a resolved case (满意 / 不满意 / 1-5 / 没修好) live in ``service.feedback``.

The API calls them too: ``my_cases``, ``visible_case``, ``case_view`` and ``supported_ids``.

A supporter sees the public view of a case (``CaseView.public``): the description and the
timeline's notes masked and the address down to the building (``handlers.masking``), and of
the report's photos only their own - the reporter's photos may show a private place, and a
supporter saw the problem for themselves. The reporter and staff see everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tortoise.expressions import Q

from handlers import texts as root_texts
from handlers.geo import atlas
from handlers.reports import render, routing, texts
from handlers.reports.errors import NotAllowed, UnknownCase
from handlers.reports.staff import auth as staff_auth
from handlers.reports.staff.notify import AFTER
from storage.core.models import Person, Photo, PhotoStatus, Role
from storage.reports.models import OPEN_STATUSES, Case, CaseEvent, CaseStatus, Supporter

LIST_LIMIT = 10
REPORT = "report"  # owner_kind of the photos of the report (the reporter's and supporters')
SHOWN_PHOTOS = (PhotoStatus.STORED, PhotoStatus.PENDING)

Whose = Literal["reported", "supported", "all"]
ViewerRole = Literal["reporter", "supporter", "staff"]


async def supported_ids(openid: str) -> list[int]:
    return list(await Supporter.filter(openid=openid).values_list("case_id", flat=True))


async def may_see(case: Case, person: Person, *, any_staff: bool = True) -> bool:
    """The reporter, the supporters, and staff: any (chat), or who may act (``any_staff``
    False)."""
    if case.reporter_openid == person.openid:
        return True
    if person.role.is_staff and (any_staff or await staff_auth.may_act(case, person)):
        return True
    return await Supporter.exists(case_id=case.id, openid=person.openid)


async def sees_private(case: Case, person: Person) -> bool:
    """The reporter and staff who may act read the full text and the reporter's photos."""
    return case.reporter_openid == person.openid or (
        person.role.is_staff and await staff_auth.may_act(case, person))


async def visible_case(number: str, person: Person, *, any_staff: bool = True) -> Case:
    """Case ``number`` (as ``service.cases.case_number`` reads it) if ``person`` may see it.

    UnknownCase, or NotAllowed for a case that is not theirs to see.
    """
    case = await Case.get_or_none(number=number)
    if case is None:
        raise UnknownCase(texts.UNKNOWN_CASE.format(number=number))
    if not await may_see(case, person, any_staff=any_staff):
        raise NotAllowed(texts.NOT_YOURS)
    return case


async def my_cases(openid: str, *, whose: Whose = "all", before_id: int | None = None,
                   limit: int = LIST_LIMIT) -> list[Case]:
    """The cases ``openid`` reported and/or supported, newest first (ids below ``before_id``)."""
    reported = Q(reporter_openid=openid)
    if whose == "reported":
        where = reported
    else:
        supported = Q(id__in=await supported_ids(openid) or [0])
        where = supported if whose == "supported" else reported | supported
    query = Case.filter(where)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(limit)


@dataclass
class CaseView:
    """What a resident (or staff who may act) sees of one case: no reporter identity."""

    case: Case
    role: ViewerRole
    supported: bool  # the viewer +1'd it
    photos: list[Photo]  # the report's (reporter's and supporters'), stored or downloading
    after_photos: list[Photo]  # staff's after-photo of the resolution
    events: list[CaseEvent]  # the timeline, oldest first
    actions: list[str]  # what the viewer may do now: confirm, rate, reopen, support
    place: str = ""  # where it is, named from the geography (``handlers.geo.places``)
    holder: str = ""  # who has it (``who_has``): role and name; a supporter, the unit only

    @property
    def public(self) -> bool:
        """Masked text and coarse address: what a supporter (not reporter or staff) reads."""
        return self.role == "supporter"


def resident_actions(case: Case, role: ViewerRole, supported: bool) -> list[str]:
    if role == "reporter":
        return ["confirm", "rate", "reopen"] if case.status is CaseStatus.RESOLVED else []
    if not supported and case.status in OPEN_STATUSES:
        return ["support"]
    return []


async def case_view(case: Case, person: Person) -> CaseView:
    """``查 A1234`` as data (the caller checked ``may_see``)."""
    supported = await Supporter.exists(case_id=case.id, openid=person.openid)
    role: ViewerRole = ("reporter" if case.reporter_openid == person.openid
                        else "supporter" if supported else "staff")
    rows = await Photo.filter(owner_id=case.number, owner_kind__in=[REPORT, AFTER],
                              status__in=list(SHOWN_PHOTOS)).order_by("id")
    return CaseView(case=case, role=role, supported=supported,
                    photos=[p for p in rows if p.owner_kind == REPORT
                            and (role != "supporter" or p.openid == person.openid)],
                    after_photos=[p for p in rows if p.owner_kind == AFTER],
                    events=await render.public_events(case),
                    actions=resident_actions(case, role, supported),
                    place=await render.place_name_of(case),
                    holder=_holder_text(await who_has(case), role))


def _holder_text(holder: Holder, role: ViewerRole) -> str:
    return holder.public if role == "supporter" else str(holder)


# -- who has a case ----------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """Who has a case now: ``role_label`` (网格员, 物业, 职能部门, 社区管理员), ``name`` (the
    person, with their organisation for a property or a department) and ``unit`` (what may be
    said in public: the organisation, the grid or the community - no person's name)."""

    role_label: str
    name: str
    unit: str = ""

    def __str__(self) -> str:
        return f"{self.role_label} {self.name}".strip()

    @property
    def public(self) -> str:
        return texts.HOLDER_PUBLIC.format(role=self.role_label, unit=self.unit) if (
            self.unit) else self.role_label


def _joined(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


async def _community(case: Case) -> atlas.CommunityFact | None:
    return ((await atlas.current()).communities.get(case.community_code)
            if case.community_code else None)


async def _person_holder(case: Case, person: Person | routing.Staff) -> Holder:
    role = root_texts.ROLE_NAMES.get(person.role.value, "")
    if person.role is Role.PROPERTY_MANAGER:
        org = person.org or case.property_org
        return Holder(role, _joined(org, person.name), org or "")
    if person.role is Role.DEPARTMENT:
        org = person.org or case.department
        return Holder(role, _joined(org, person.name), org or "")
    if person.role is Role.GRID_WORKER:
        grid = person.grid or case.grid_code
        return Holder(role, person.name, texts.HOLDER_GRID.format(grid=grid) if grid else "")
    community = await _community(case)
    return Holder(role, person.name, community.name if community else "")


async def who_has(case: Case) -> Holder:
    """Who actually has ``case``: its assignee by role and name; without one, the party it
    stands with (the department, the property, the grid, the community admin)."""
    person = await routing.staff_member(case.assignee_openid)
    if person is not None:
        return await _person_holder(case, person)
    role = root_texts.ROLE_NAMES
    if case.responsible == "department" and case.department:
        return Holder(role["department"], case.department, case.department)
    if case.responsible == "property" and case.property_org:
        return Holder(role["property_manager"], case.property_org, case.property_org)
    if case.grid_code:
        return Holder(role["grid_worker"], "", texts.HOLDER_GRID.format(grid=case.grid_code))
    community = await _community(case)
    return Holder(role["admin"], community.admin_name if community else "",
                  community.name if community else "")
