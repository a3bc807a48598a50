"""我的待办: the open cases a staff member answers for, most urgent first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from handlers.reports import staff_texts as t
from handlers.reports import views
from storage.core.models import Person, Role
from storage.geo.models import Community, Grid
from storage.reports.models import OPEN_STATUSES, Case, CaseStatus

SHOWN = 10
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


async def todo_text(person: Person) -> str:
    cases = await my_cases(person)
    if not cases:
        return t.TODO_EMPTY
    await views.load_category_names()
    lines = [t.TODO_HEAD.format(count=len(cases))]
    for case in cases[:SHOWN]:
        what, due = due_of(case)
        lines.append(t.TODO_LINE.format(line=views.list_line(case),
                                        due=t.TODO_DUE.format(what=what, at=views.when(due))))
    if len(cases) > SHOWN:
        lines.append(t.TODO_MORE.format(more=len(cases) - SHOWN))
    return "\n".join(lines)
