"""What staff see: their queue (``我的待办``, ``GET /staff/cases``: the open cases they answer
for, most urgent first) and one case (``案件 A1234``, ``GET /staff/cases/A1234``).

Who may look at a case is who may act (``auth.may_act``, through ``service.case_for``).
Staff never see who reported or supported a case: the chat shows them the card (place,
description, photos) and the timeline, no reporter or supporter name, phone or openid, and
so does this. In the history, staff actors are named (role and name, as staff are named to
each other in chat), residents are only "居民" and the system "系统".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from handlers.geo import places
from handlers.reports import render
from handlers.reports.lifecycle import MOVES
from handlers.reports.staff.auth import actor_name
from handlers.reports.staff.notify import AFTER
from handlers.reports.staff.service import case_for
from storage.core.models import Person, Photo, PhotoStatus, Role
from storage.geo.models import Community, Grid
from storage.reports.models import OPEN_STATUSES, Case, CaseEvent, CaseStatus

REPORT = "report"  # owner_kind of the reporter's photos
SYSTEM = "系统"
RESIDENT = "居民"
STAFF = "工作人员"
# What residents do to a case: never named to staff, whoever they are.
RESIDENT_ACTIONS = frozenset({"submit", "support", "confirm", "reopen"})
ACTIONS = ("accept", "start", "resolve", "reject", "transfer")  # status moves staff make
SHOWN = (PhotoStatus.STORED, PhotoStatus.PENDING)


@dataclass
class Entry:
    """One line of the timeline, with who did it as staff may see them."""

    event: CaseEvent
    by: str


@dataclass
class CaseFile:
    case: Case
    photos: list[Photo]  # the report's, stored or still downloading
    after_photos: list[Photo]  # the after-photo of the resolution
    history: list[Entry]
    assignee: str | None  # who must act now, as "网格员 王梦苏"
    actions: list[str]  # what the viewer may do to it now (accept, start, … acknowledge)
    place: str = ""  # where it is, named from the geography (``handlers.geo.places``)


def may_acknowledge(case: Case, person: Person) -> bool:
    """报到 is the compound's property managers' (or an admin's), once, on an open case."""
    if case.property_acknowledged_at is not None or not case.property_org:
        return False
    if case.status not in MOVES["transfer"][0]:
        return False
    return person.role is Role.ADMIN or (person.role is Role.PROPERTY_MANAGER
                                         and person.org == case.property_org)


def available_actions(case: Case, person: Person) -> list[str]:
    """The actions the case's status allows ``person`` (who may act on it) to take."""
    found = [a for a in ACTIONS if case.status in MOVES[a][0]]
    if may_acknowledge(case, person):
        found.append("acknowledge")
    return found


async def _names(openids: set[str]) -> dict[str, Person]:
    if not openids:
        return {}
    return {p.openid: p for p in await Person.filter(openid__in=sorted(openids))}


def _by(event: CaseEvent, people: dict[str, Person], reporter: str) -> str:
    if event.actor_openid == "system":
        return SYSTEM
    # A case an operator entered (代录) was submitted by staff: they are named.
    if event.action in RESIDENT_ACTIONS and not (
            event.action == "submit" and event.actor_openid != reporter):
        return RESIDENT
    person = people.get(event.actor_openid)
    if person is None or not person.role.is_staff:  # since removed, or no longer staff
        return STAFF
    return actor_name(person) or STAFF


async def file_of(case: Case, person: Person) -> CaseFile:
    """The staff view of ``case`` for ``person`` (who may act on it: checked by the caller)."""
    await render.load_category_names()
    rows = await Photo.filter(owner_id=case.number, owner_kind__in=[REPORT, AFTER],
                              status__in=list(SHOWN)).order_by("id")
    events = [e for e in await CaseEvent.filter(case_id=case.id).order_by("at", "id")
              if e.action != "photo"]
    people = await _names({e.actor_openid for e in events if e.actor_openid != "system"}
                          | ({case.assignee_openid} if case.assignee_openid else set()))
    assignee = people.get(case.assignee_openid or "")
    return CaseFile(
        case=case,
        photos=[p for p in rows if p.owner_kind == REPORT],
        after_photos=[p for p in rows if p.owner_kind == AFTER],
        history=[Entry(e, _by(e, people, case.reporter_openid)) for e in events],
        assignee=(actor_name(assignee) or STAFF) if assignee and assignee.role.is_staff
        else None,
        actions=available_actions(case, person),
        place=await places.place_name(case.lat, case.lng, case.building_code))


async def case_file(number: str, person: Person) -> CaseFile:
    """``案件 A1234``: UnknownCase, or NotAllowed unless ``person`` may act on the case."""
    return await file_of(await case_for(number, person, "view"), person)


# -- the queue (我的待办) ----------------------------------------------------------------

WAITING = (CaseStatus.SUBMITTED, CaseStatus.DISPATCHED, CaseStatus.REOPENED)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NO_DUE = 2**62  # sorts after every real due time


def _scope(person: Person, deputy_of: list[str], admin_of: list[str]) -> Q:
    scope = Q(assignee_openid=person.openid)
    if person.role is Role.GRID_WORKER and person.grid:
        scope |= Q(grid_code=person.grid)
    if person.role is Role.PROPERTY_MANAGER and person.org:
        scope |= Q(property_org=person.org, responsible="property")
    if person.role is Role.DEPARTMENT and person.org:
        scope |= Q(department=person.org, responsible="department")
    if deputy_of:
        scope |= Q(grid_code__in=deputy_of, overdue=True)
    if admin_of:
        scope |= Q(community_code__in=admin_of)
    return scope


def due_of(case: Case) -> tuple[str, datetime | None]:
    if case.status in WAITING:
        return "受理", case.accept_due_at
    return "办结", case.resolve_due_at


def urgency(case: Case) -> tuple[int, int, int]:
    """The queue's order as plain integers (usable as a page cursor): overdue first, then the
    nearest due time (microseconds since the epoch), then the oldest case."""
    _, due = due_of(case)
    micros = (due - _EPOCH) // timedelta(microseconds=1) if due else NO_DUE
    return (0 if case.overdue else 1, micros, case.id)


def _open(statuses: Iterable[CaseStatus] | None) -> list[CaseStatus]:
    return [s for s in (statuses or OPEN_STATUSES) if s in OPEN_STATUSES]


async def my_cases(person: Person, statuses: Iterable[CaseStatus] | None = None) -> list[Case]:
    """The open cases ``person`` answers for (of ``statuses`` only, if given), most urgent first."""
    wanted = _open(statuses)
    if not wanted:
        return []
    deputy_of = list(await Grid.filter(deputy_openid=person.openid)
                     .values_list("code", flat=True))
    admin_of = list(await Community.filter(admin_openid=person.openid)
                    .values_list("code", flat=True))
    rows = await Case.filter(_scope(person, deputy_of, admin_of), status__in=wanted)
    return sorted(rows, key=urgency)


async def community_cases(admin: Person, grid: str | None = None,
                          statuses: Iterable[CaseStatus] | None = None) -> list[Case]:
    """An admin's overview: every open case of the communities they administer (of every
    community when they administer none), of one grid if given, most urgent first."""
    wanted = _open(statuses)
    if not wanted:
        return []
    query = Case.filter(status__in=wanted)
    admin_of = list(await Community.filter(admin_openid=admin.openid)
                    .values_list("code", flat=True))
    if admin_of:
        query = query.filter(community_code__in=admin_of)
    if grid:
        query = query.filter(grid_code=grid)
    return sorted(await query, key=urgency)
