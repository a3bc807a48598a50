"""SLA escalation (run by the ``report_sla`` job in ``scheduled``): a case not accepted by
``accept_due_at``, or not resolved by ``resolve_due_at``, is escalated once per step.

The step's guard is a guarded update of ``accept_escalated_at`` / ``resolve_escalated_at``
(row count checked), so two sweepers or a rerun escalate it once. Escalating marks the case
overdue, counts the level up, tells the grid's deputy (else the community admin), reminds
the assignee, whistles (吹哨) to the category's department when another party handles it,
and tells the reporter. The staff pushes are urgent (not held by the quiet hours) when the
category's SLA for the step ends before the quiet hours do (``urgency``); the reporter's are
not. Each case is its own transaction inside its own try/except.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from handlers.reports import notify, queries, render, routing, texts
from handlers.reports.lifecycle import transition
from handlers.reports.staff import notify as staff_notify
from handlers.reports.staff import texts as t
from handlers.reports.urgency import staff_urgent
from storage import clock
from storage.geo.models import Category
from storage.reports.models import OPEN_STATUSES, Case, CaseStatus

log = logging.getLogger(__name__)

BATCH = 50  # cases per step per run: a backlog drains over a few runs, not in one burst
MIN_GAP = timedelta(hours=1)  # between two escalations of one case
ACTOR = "system"


@dataclass(frozen=True)
class SlaStep:
    name: str
    due: str  # the deadline column
    mark: str  # set once the step is escalated
    statuses: frozenset[CaseStatus]
    label: str


STEPS = (
    SlaStep("accept", "accept_due_at", "accept_escalated_at",
            frozenset({CaseStatus.SUBMITTED, CaseStatus.DISPATCHED, CaseStatus.REOPENED}),
            t.STEP_ACCEPT),
    # A case waiting for 核查 (REVIEWING) was resolved by its handler: not overdue for
    # resolving while the review is pending; sent back, it is IN_PROGRESS and counts again.
    SlaStep("resolve", "resolve_due_at", "resolve_escalated_at",
            OPEN_STATUSES - {CaseStatus.REVIEWING}, t.STEP_RESOLVE),
)


def _due(step: SlaStep) -> Q:
    now = clock.now()
    return Q(status__in=list(step.statuses), **{f"{step.due}__lte": now, step.mark: None}) & (
        Q(last_escalated_at=None) | Q(last_escalated_at__lte=now - MIN_GAP))


async def escalate(case_id: int, step: SlaStep) -> bool:
    """Escalate one case for one step; False if it is not (or no longer) due."""
    now = clock.now()
    async with in_transaction():
        won = await Case.filter(_due(step), id=case_id).update(
            **{step.mark: now}, overdue=True, last_escalated_at=now,
            escalation_level=F("escalation_level") + 1)
        if won != 1:
            return False
        case = await Case.get(id=case_id)
        category = await Category.get_or_none(code=case.category_code)
        if category:
            render.remember_category(category)
        whistle = (category.department if category and category.department
                   and case.responsible != "department" else None)
        note = texts.OVERDUE_NOTE.format(step=step.label) + (
            texts.WHISTLE_NOTE.format(department=whistle) if whistle else "")
        moved = await transition(case, "escalate", ACTOR, note=note)
        urgent = staff_urgent(category, now, step=step.name)
        event = moved.event.id
        due = render.when(getattr(case, step.due))
        who = str(await queries.who_has(case))
        await staff_notify.tell(case, event, await routing.supervisors(case),
                                await staff_notify.fill(case, t.ESCALATED, step=step.label, due=due,
                                                  who=who), urgent=urgent)
        await staff_notify.tell(case, event, [case.assignee_openid], t.ESCALATED_ASSIGNEE.format(
            number=case.number, step=step.label, due=due), urgent=urgent)
        if whistle:
            photos = await staff_notify.photo_text(case)
            department_staff = await routing.department_staff(whistle)
            await staff_notify.tell(case, event, department_staff,
                                    await staff_notify.fill(case, t.WHISTLE, photos=photos,
                                                      step=step.label, department=whistle),
                                    urgent=urgent)
            await staff_notify.send_photos(case, department_staff, urgent=urgent)
        await notify.resident_progress(case, event, t.R_ESCALATED.format(
            number=case.number, whom=t.R_SUPERVISOR))
    return True


async def escalate_due(limit: int = BATCH) -> int:
    done = 0
    for step in STEPS:
        ids = await Case.filter(_due(step)).order_by(step.due, "id").limit(limit).values_list(
            "id", flat=True)
        for case_id in ids:
            try:
                done += await escalate(case_id, step)
            except Exception:
                log.exception("SLA sweep: escalating case %s (%s) failed", case_id, step.name)
    return done
