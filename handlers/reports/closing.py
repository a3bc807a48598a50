"""Closing cases nobody answered: a resolved case is confirmed automatically 72 h later.

The reporter confirms with 满意 / 评分 or reopens with 没修好 (``service.feedback``); a case
left resolved past ``confirm_due_at`` (else 72 h after ``resolved_at``) is closed by the
``report_closing`` sweep (``scheduled``), the reporter told, and its points awarded
(``awards``). Each case is its own transaction inside its own try/except.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

from tortoise.expressions import Q

from handlers.reports import awards, notify, texts
from handlers.reports.lifecycle import Conflict, transition
from storage import aftercommit, clock
from storage.reports.models import Case, CaseStatus

log = logging.getLogger(__name__)

CONFIRM_AFTER = timedelta(hours=72)
BATCH = 100
ACTOR = "system"


async def auto_confirm(case: Case) -> bool:
    """Close one resolved case nobody answered for; False if someone else moved it first."""
    try:
        async with aftercommit.transaction() as conn:
            moved = await transition(case, "auto_confirm", ACTOR, note="72 小时未评价",
                                     fields={"auto_confirmed": True, "closed_at": clock.now()},
                                     using_db=conn)
            await notify.resident_progress(case, moved.event.id, texts.N_AUTO_CONFIRMED.format(
                number=case.number), using_db=conn)
            aftercommit.on_commit(functools.partial(awards.try_award, case.id))
    except Conflict:
        return False
    return True


async def auto_confirm_due(limit: int = BATCH) -> int:
    now = clock.now()
    due = Q(confirm_due_at__lte=now) | Q(confirm_due_at=None, resolved_at__lte=now - CONFIRM_AFTER)
    rows = await Case.filter(due, status=CaseStatus.RESOLVED).order_by("id").limit(limit)
    closed = 0
    for case in rows:
        try:
            closed += await auto_confirm(case)
        except Exception:
            log.exception("auto-confirm of %s failed", case.number)
    return closed
