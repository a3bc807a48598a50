"""Steering a case from the web console (指挥中心): 派单/转派, 督办, 催办, 隐藏, 核查 and
internal notes.

Steering is for admins whose scope (``scope.scope_of``) covers the case: the community's
admin, or a street admin. 核查 and notes are also for the staff who may act on the case
(``auth.may_act``). Each use case runs inside the caller's transaction, raises a
``CaseError`` to refuse (changing nothing), writes one history row and, in the same
transaction, the pushes whoever must hear. Internal rows ("note", "supervise", "remind",
"resolve_review", "review_ok", "review_back": ``lifecycle.INTERNAL``) never reach residents.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.reports import notify, queries, render, routing
from handlers.reports import texts as report_texts
from handlers.reports.errors import BadInput, NotAllowed, UnknownCase, WrongState
from handlers.reports.lifecycle import MOVES
from handlers.reports.service.cases import find_case
from handlers.reports.staff import notify as staff_notify
from handlers.reports.staff import service
from handlers.reports.staff import texts as t
from handlers.reports.staff.auth import actor_name, may_act
from handlers.reports.staff.review import last_resolution, needs_review
from handlers.reports.staff.scope import scope_of
from handlers.reports.urgency import staff_urgent, step_of
from storage import clock
from storage.core.models import Person, Role
from storage.geo.models import Category, Community, Grid
from storage.reports.models import OPEN_STATUSES, Case, CaseEvent, CaseStatus

__all__ = ["add_note", "assign_to", "assignable_staff", "hide", "may_steer", "needs_review",
           "remind", "review", "supervise"]

REMIND_GAP = timedelta(hours=1)  # between two 催办 of one case
NOTE_MAX = 500
STAFF_PREFIX = "staff:"
PARTIES = ("property", "department")
# Who a named staff member answers as, once a case is theirs.
RESPONSIBLE_OF = {Role.PROPERTY_MANAGER: "property", Role.DEPARTMENT: "department"}


async def may_steer(case: Case, person: Person) -> bool:
    """A community admin of the case's community, or a street admin."""
    scope = await scope_of(person)
    return scope is not None and scope.is_admin and scope.covers(case)


async def _case(number: str) -> Case:
    case = await find_case(number)
    if case is None:
        raise UnknownCase(report_texts.UNKNOWN_CASE.format(number=number.strip().upper()))
    return case


async def _steered(number: str, actor: Person) -> Case:
    """The case, if ``actor`` may steer it."""
    case = await _case(number)
    if not await may_steer(case, actor):
        raise NotAllowed(t.NOT_STEERING.format(number=case.number))
    return case


def _not_open(case: Case) -> WrongState:
    return WrongState(t.NOT_OPEN.format(number=case.number, status=render.status_name(case)))


# -- 派单 / 转派 -------------------------------------------------------------------------------


async def assignable_staff(case: Case) -> list[Person]:
    """Who "staff:<openid>" may name: the grid's workers and deputy, the compound's property
    managers, the category's department staff, the admins of the case's community."""
    openids = list(await routing.grid_workers(case.grid_code))
    if case.grid_code:
        grid = await Grid.get_or_none(code=case.grid_code)
        if grid and grid.deputy_openid:
            openids.append(grid.deputy_openid)
    org = case.property_org or await routing.compound_org(case.compound_code)
    openids += await routing.property_managers(org)
    category = await Category.get_or_none(code=case.category_code)
    openids += await routing.department_staff(category.department if category else None)
    if case.department and (category is None or case.department != category.department):
        openids += await routing.department_staff(case.department)
    if case.community_code:
        openids += list(await Community.filter(code=case.community_code,
                                               admin_openid__not_isnull=True)
                        .values_list("admin_openid", flat=True))
    people = {p.openid: p for p in await Person.filter(openid__in=list(set(openids)))}
    return [people[o] for o in dict.fromkeys(openids)
            if o in people and people[o].role.is_staff]


async def _named(case: Case, openid: str) -> tuple[routing.Assignment, str]:
    """A named staff member as the party who answers for ``case``, and how the resident is
    told who has it now (the role's unit, 社区 for an admin)."""
    person = next((p for p in await assignable_staff(case) if p.openid == openid), None)
    if person is None:
        raise BadInput(t.NOT_STAFF_TARGET)
    responsible = RESPONSIBLE_OF.get(person.role, "grid")
    found = routing.Assignment(
        responsible, person.openid,
        department=person.org if responsible == "department" else None,
        property_org=person.org if responsible == "property" else None,
        label=actor_name(person))
    told = (t.R_SUPERVISOR if person.role is Role.ADMIN
            else report_texts.RESPONSIBLE_NAMES[responsible])
    return found, told


async def assign_to(number: str, actor: Person, target: str) -> Case:
    """派单 (a submitted or reopened case) or 转派 (an open one keeps its status) to a named
    staff member ("staff:<openid>"), the compound's property or the category's department."""
    case = await _steered(number, actor)
    if case.status not in MOVES["transfer"][0]:
        raise _not_open(case)
    category = await Category.get_or_none(code=case.category_code)
    target = target.strip()
    if target.startswith(STAFF_PREFIX):
        found, resident_label = await _named(case, target.removeprefix(STAFF_PREFIX).strip())
    elif target in PARTIES:
        found = await service.party_of(case, category, target)
        resident_label = ""
    else:
        raise BadInput(t.BAD_TARGET)
    dispatch = case.status in MOVES["dispatch"][0]
    note = (t.ASSIGN_NOTE if dispatch else t.TRANSFER_NOTE).format(label=found.label)
    return await service.hand_over(
        case, actor, found, category, action="dispatch" if dispatch else "transfer",
        template=t.ASSIGNED_TO if dispatch or target.startswith(STAFF_PREFIX)
        else t.TRANSFERRED_TO, note=note, resident_label=resident_label)


# -- 督办 / 催办 / 隐藏 ------------------------------------------------------------------------


async def supervise(number: str, actor: Person, note: str) -> Case:
    """督办: the case is marked supervised; the assignee and the grid's deputy are told at
    once (urgent: supervised work does not wait for the morning)."""
    case = await _steered(number, actor)
    note = note.strip()
    if not note:
        raise BadInput(t.NEED_NOTE)
    if case.status not in OPEN_STATUSES:
        raise _not_open(case)
    fields = {} if case.supervised_at else {"supervised_at": clock.now()}
    moved = await service.move(case, "supervise", actor, note=note[:NOTE_MAX], fields=fields)
    deputy = None
    if case.grid_code:
        grid = await Grid.get_or_none(code=case.grid_code)
        deputy = grid.deputy_openid if grid else None
    text = await staff_notify.fill(case, t.SUPERVISED, by=actor_name(actor), note=note,
                                   who=str(await queries.who_has(case)))
    await staff_notify.tell(case, moved.event.id, [case.assignee_openid, deputy], text,
                            urgent=True)
    return case


async def remind(number: str, actor: Person) -> Case:
    """催办: a reminder to the assignee; once an hour at most."""
    case = await _steered(number, actor)
    if case.status not in OPEN_STATUSES:
        raise _not_open(case)
    if not case.assignee_openid:
        raise WrongState(t.NO_ASSIGNEE.format(number=case.number))
    last = await CaseEvent.filter(case_id=case.id, action="remind",
                                  at__gt=clock.now() - REMIND_GAP).order_by("-at").first()
    if last is not None:
        raise WrongState(t.REMIND_TOO_SOON.format(number=case.number, at=render.when(last.at)))
    moved = await service.move(case, "remind", actor)
    category = await Category.get_or_none(code=case.category_code)
    await staff_notify.tell(case, moved.event.id, [case.assignee_openid], t.REMINDED.format(
        number=case.number, by=actor_name(actor), status=render.status_name(case)),
        urgent=staff_urgent(category, step=step_of(case.status)))
    return case


async def hide(number: str, actor: Person, reason: str) -> Case:
    """隐藏 (e.g. abusive or private content) with a reason, kept in the history."""
    case = await _steered(number, actor)
    reason = reason.strip()
    if not reason:
        raise BadInput(t.NEED_HIDE_REASON)
    if case.status is CaseStatus.HIDDEN:
        raise WrongState(t.ALREADY_HIDDEN.format(number=case.number))
    await service.move(case, "hide", actor, note=reason[:200])
    return case


# -- 核查 and notes ----------------------------------------------------------------------------


async def _may_act_or_steer(case: Case, person: Person) -> bool:
    return await may_act(case, person) or await may_steer(case, person)


async def review(number: str, actor: Person, approve: bool, reason: str = "") -> Case:
    """核查 a resolution by someone other than its resolver: approve (the resident is asked to
    confirm, as after a plain 办结) or send it back with a reason (the resolver is told)."""
    case = await _case(number)
    if not await _may_act_or_steer(case, actor):
        raise NotAllowed(t.NOT_REVIEWER.format(number=case.number))
    if case.status is not CaseStatus.REVIEWING:
        raise WrongState(t.NOT_REVIEWING.format(number=case.number,
                                                status=render.status_name(case)))
    resolution = await last_resolution(case)
    resolver = resolution.actor_openid if resolution else None
    if resolver == actor.openid:
        raise NotAllowed(t.OWN_RESOLUTION.format(number=case.number))
    reason = reason.strip()
    if approve:
        await _approve(case, actor, reason, resolution)
    else:
        if not reason:
            raise BadInput(t.NEED_BACK_REASON)
        moved = await service.move(case, "review_back", actor, note=reason[:200],
                                    fields={"resolved_at": None})
        await staff_notify.tell(case, moved.event.id, [resolver, case.assignee_openid],
                                t.REVIEW_BACK.format(number=case.number, by=actor_name(actor),
                                                     reason=reason))
    return case


async def _approve(case: Case, actor: Person, reason: str, resolution: CaseEvent | None) -> None:
    now = clock.now()
    moved = await service.move(case, "review_ok", actor, note=reason[:200],
                                fields={"confirm_due_at": now + service.CONFIRM_TIME})
    note = resolution.note if resolution else ""
    await notify.resident_progress(case, moved.event.id, t.R_RESOLVED.format(
        number=case.number, note=f"：{note}" if note else ""))
    if resolution:
        await staff_notify.tell(case, moved.event.id, [resolution.actor_openid],
                                t.REVIEW_OK.format(number=case.number, by=actor_name(actor)))


async def add_note(number: str, actor: Person, text: str) -> Case:
    """An internal note in the history: staff only, never shown to residents."""
    text = text.strip()
    if not text:
        raise BadInput(t.NEED_NOTE_TEXT)
    if len(text) > NOTE_MAX:
        raise BadInput(t.NOTE_TOO_LONG)
    case = await _case(number)
    if not await _may_act_or_steer(case, actor):
        raise NotAllowed(t.NOT_NOTER.format(number=case.number))
    await service.move(case, "note", actor, note=text)
    return case
