"""What staff do to a case (the use cases the chat and the API call): 接单, 处理中, 完成 (with the after-photo), 驳回, 转派, 报到.

Each runs inside the message's effect (one transaction) and raises a ``CaseError`` to refuse,
changing nothing. Every change writes its history row and, in the same transaction, the
messages the reporter, supporters and other staff should get.
"""

from __future__ import annotations

from datetime import timedelta

from handlers import photos
from handlers.reports import notify, render, routing
from handlers.reports import texts as report_texts
from handlers.reports.errors import NotAllowed, UnknownCase, WrongState
from handlers.reports.lifecycle import MOVES, Conflict, transition
from handlers.reports.service.cases import find_case
from handlers.reports.staff import notify as staff_notify
from handlers.reports.staff import review
from handlers.reports.staff import texts as t
from handlers.reports.staff.auth import actor_name, may_act
from handlers.reports.urgency import staff_urgent, step_of
from storage import clock
from storage.core.models import Person, Role
from storage.geo.models import Category
from storage.reports.models import Case, CaseStatus

CONFIRM_TIME = timedelta(hours=72)


def resolved_reply(case: Case) -> str:
    """What the resolver is told: the resident asked now, or only after 核查."""
    if case.status is CaseStatus.REVIEWING:
        return t.RESOLVED_FOR_REVIEW.format(number=case.number)
    return t.RESOLVED.format(number=case.number)
VERBS = {"accept": "接单", "start": "标记处理中", "resolve": "办结", "reject": "驳回",
         "transfer": "转派", "acknowledge": "报到", "dispatch": "派单",
         "resolve_review": "办结", "review_ok": "核查", "review_back": "核查", "hide": "隐藏"}


async def case_for(number: str, person: Person, action: str) -> Case:
    """The case, if ``person`` may act on it and its status allows ``action``."""
    case = await find_case(number)
    if case is None:
        raise UnknownCase(report_texts.UNKNOWN_CASE.format(number=number.upper()))
    if not await may_act(case, person):
        raise NotAllowed(t.NOT_YOURS.format(number=case.number))
    if action in MOVES and case.status not in MOVES[action][0]:
        raise _wrong(case, action)
    return case


def _wrong(case: Case, action: str) -> WrongState:
    return WrongState(t.WRONG_STATE.format(number=case.number, status=render.status_name(case),
                                           action=VERBS.get(action, action)))


async def move(case: Case, action: str, person: Person, **kwargs):
    try:
        return await transition(case, action, person.openid, **kwargs)
    except Conflict:  # someone else changed it a moment ago
        raise _wrong(await Case.get(id=case.id), action) from None


async def accept(number: str, person: Person) -> Case:
    case = await case_for(number, person, "accept")
    fields = {"accepted_at": clock.now()}
    if person.role is not Role.ADMIN or not case.assignee_openid:
        fields["assignee_openid"] = person.openid  # who takes it, owns it
    moved = await move(case, "accept", person, fields=fields)
    await notify.resident_progress(case, moved.event.id, t.R_ACCEPTED.format(
        number=case.number, who=actor_name(person)))
    return case


async def start(number: str, person: Person) -> Case:
    case = await case_for(number, person, "start")
    moved = await move(case, "start", person)
    await notify.resident_progress(case, moved.event.id,
                                   t.R_STARTED.format(number=case.number))
    return case


async def resolve(number: str, person: Person, media_id: str, note: str = "") -> Case:
    """办结 with the after-photo. Where the category or the community requires 核查, the case
    waits for review (REVIEWING): the reviewers are told, the resident is asked only once a
    reviewer approves (``steer.review``)."""
    case = await case_for(number, person, "resolve")
    now = clock.now()
    if await review.required(case):
        moved = await move(case, "resolve_review", person, note=note[:200],
                            fields={"resolved_at": now})
        await photos.attach(media_id, staff_notify.AFTER, case.number, person.openid)
        await review.ask(case, moved.event.id, person, note[:200])
        return case
    moved = await move(case, "resolve", person, note=note[:200], fields={
        "resolved_at": now, "confirm_due_at": now + CONFIRM_TIME})
    await photos.attach(media_id, staff_notify.AFTER, case.number, person.openid)
    await notify.resident_progress(case, moved.event.id, t.R_RESOLVED.format(
        number=case.number, note=f"：{note}" if note else ""))
    return case


async def reject(number: str, person: Person, reason: str) -> Case:
    case = await case_for(number, person, "reject")
    category = await Category.get_or_none(code=case.category_code)
    referral = reason
    if category and category.department and category.department not in reason:
        referral = t.REFERRAL.format(reason=reason, department=category.department)
    moved = await move(case, "reject", person, note=reason[:200],
                        fields={"referral": referral[:255]})
    await notify.resident_progress(case, moved.event.id, t.R_REJECTED.format(
        number=case.number, reason=reason, referral=referral))
    return case


async def transfer(number: str, person: Person, target: str) -> tuple[Case, str]:
    """转派 to the compound's property or the category's department (吹哨); the new party
    hears at once, even in the quiet hours, when the category's SLA ends before they do."""
    case = await case_for(number, person, "transfer")
    category = await Category.get_or_none(code=case.category_code)
    found = await party_of(case, category, target)
    await hand_over(case, person, found, category)
    return case, found.label


async def party_of(case: Case, category: Category | None, target: str) -> routing.Assignment:
    """Who answers for ``case`` as ``target`` ("property": the compound's property managers,
    "department": the category's department); WrongState when there is nobody to take it."""
    if target == "property":
        found = await routing.to_property(case)
        missing = t.NO_COMPOUND
    else:
        found = await routing.to_department(case, category.department if category else None)
        missing = t.NO_DEPARTMENT
    if found is None:
        raise WrongState(missing.format(number=case.number))
    return found


async def hand_over(case: Case, person: Person, found: routing.Assignment,
                    category: Category | None, *, action: str = "transfer",
                    template: str = t.TRANSFERRED_TO, note: str = "",
                    resident_label: str = "") -> Case:
    """Give ``case`` to ``found`` (转派, or 派单 with ``action`` "dispatch"): one history row,
    the new party told (urgent when the category's SLA ends before the quiet hours do, with
    the photos), the resident told who has it now."""
    if case.responsible == found.responsible and case.assignee_openid == found.assignee:
        raise WrongState(t.ALREADY_THERE.format(number=case.number, label=found.label))
    fields = {"assignee_openid": found.assignee, "responsible": found.responsible}
    fields.update({k: v for k, v in (("department", found.department),
                                     ("property_org", found.property_org)) if v})
    if action == "dispatch":
        fields["dispatched_at"] = clock.now()
    note = note or t.TRANSFER_NOTE.format(label=found.label)
    moved = await move(case, action, person, note=note, fields=fields)
    photo_text = await staff_notify.photo_text(case)
    text = await staff_notify.fill(case, template, photos=photo_text, by=actor_name(person),
                                   reason=note)
    urgent = staff_urgent(category, step=step_of(case.status))
    await staff_notify.tell(case, moved.event.id, [found.assignee, *found.others], text,
                            urgent=urgent)
    await staff_notify.send_photos(case, [found.assignee, *found.others], urgent=urgent)
    await notify.resident_progress(case, moved.event.id, t.R_TRANSFERRED.format(
        number=case.number,
        label=resident_label or report_texts.RESPONSIBLE_NAMES[found.responsible]))
    return case


async def acknowledge(number: str, person: Person) -> Case:
    """报到: the compound's property manager takes the case (accepting it when it waits)."""
    case = await case_for(number, person, "acknowledge")
    if person.role is not Role.ADMIN and (person.role is not Role.PROPERTY_MANAGER
                                          or case.property_org != person.org):
        raise NotAllowed(t.NOT_PROPERTY_CASE.format(number=case.number))
    if case.property_acknowledged_at is not None:
        raise WrongState(t.ALREADY_ACKNOWLEDGED.format(
            number=case.number, at=render.when(case.property_acknowledged_at)))
    if case.status not in MOVES["transfer"][0]:
        raise _wrong(case, "acknowledge")
    now = clock.now()
    updated = await Case.filter(id=case.id, property_acknowledged_at=None).update(
        property_acknowledged_at=now)
    if updated != 1:
        raise WrongState(t.ALREADY_ACKNOWLEDGED.format(number=case.number, at=render.when(now)))
    case.property_acknowledged_at = now
    moved = await move(case, "acknowledge", person, note=person.org or "")
    if case.status in MOVES["accept"][0] and case.responsible == "property":
        await move(case, "accept", person, fields={"accepted_at": now,
                                                    "assignee_openid": person.openid})
    await notify.resident_progress(case, moved.event.id,
                                   t.R_ACKNOWLEDGED.format(number=case.number))
    return case
