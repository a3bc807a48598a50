"""Which staff pushes may not wait out the quiet hours (22:00-07:00 Asia/Shanghai).

Quiet hours hold residents' routine progress notices, never work staff must do within an SLA.
A push that asks staff to act on a case (the dispatch notice and its copies, a 转派/吹哨, an
escalation or reminder, a reopened case) is urgent when the category's SLA for the step at
hand ends inside, or before the end of, the quiet period: the one we are in, or the next one
when it is daytime now (so a push delayed into the night by a retry is not held either).

A 井盖缺失 (accept within 1 h) reported at 04:05 is due at 05:05, before 07:00: urgent. A
category with a 24 h accept SLA reported at 04:05 is due at 04:05 tomorrow: it waits for 07:00.
Residents' notices are never urgent through this rule.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.push.compose import QUIET_UNTIL, quiet_until
from storage import clock
from storage.geo.models import Category
from storage.reports.models import CaseStatus

ACCEPT, RESOLVE = "accept", "resolve"


def quiet_end(now: datetime | None = None) -> datetime:
    """The end (UTC) of the quiet period under way, or else of the next one."""
    now = now or clock.now()
    end = quiet_until(now)
    if end is not None:
        return end
    tomorrow = clock.local(now) + timedelta(days=1)
    return tomorrow.replace(hour=QUIET_UNTIL, minute=0, second=0, microsecond=0).astimezone(UTC)


def sla_hours(category: Category, step: str = ACCEPT) -> int:
    """The hours staff have for ``step``: to accept (a new, reopened or waiting case) or to
    resolve (a case already accepted)."""
    return category.resolve_sla_hours if step == RESOLVE else category.accept_sla_hours


def staff_urgent(category: Category | None, now: datetime | None = None, *,
                 step: str = ACCEPT) -> bool:
    """True when staff given work on a ``category`` case at ``now`` must act (within the
    category's ``step`` SLA) before the quiet period ends; False without a category."""
    if category is None:
        return False
    now = now or clock.now()
    return now + timedelta(hours=sla_hours(category, step)) <= quiet_end(now)


WAITING = frozenset({CaseStatus.SUBMITTED, CaseStatus.DISPATCHED, CaseStatus.REOPENED})


def step_of(status: CaseStatus) -> str:
    """The step a case in ``status`` waits for: accepting until accepted, then resolving."""
    return ACCEPT if status in WAITING else RESOLVE
