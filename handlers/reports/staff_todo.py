"""我的待办: the open cases a staff member answers for, most urgent first."""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q

from handlers.reports import staff_texts as t
from handlers.reports import views
from storage import clock
from storage.geo_models import Community, Grid
from storage.models import Person, Role
from storage.report_models import OPEN_STATUSES, Case, CaseStatus

SHOWN = 10
WAITING = (CaseStatus.SUBMITTED, CaseStatus.DISPATCHED, CaseStatus.REOPENED)


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


def _urgency(case: Case) -> tuple:
    _, due = due_of(case)
    return (not case.overdue, due or clock.now().replace(year=9999), case.id)


async def my_cases(person: Person) -> list[Case]:
    deputy_of = list(await Grid.filter(deputy_openid=person.openid)
                     .values_list("code", flat=True))
    admin_of = list(await Community.filter(admin_openid=person.openid)
                    .values_list("code", flat=True))
    rows = await Case.filter(_scope(person, deputy_of, admin_of),
                             status__in=list(OPEN_STATUSES))
    return sorted(rows, key=_urgency)


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
