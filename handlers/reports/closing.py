"""Closing cases: auto-confirm 72 h after ``resolved``, and the points once a case is closed.

Points go through the ledger (``rewards.rules.apply_rule``), keyed per (case, rule, person):
each supporter +2, a rating +1, the reporter +10 - nothing for a case that is not closed
(rejected, merged, hidden), nothing to the reporter for a reused photo, and nothing to a
supporter whose +1 was not made as ``support`` allows (offered nearby, or within the radius of
their location; supporters from before that rule count as made so: ``Supporter.via``). They are applied
right after the confirming message (the ledger keeps its own transaction) and again by the
``report_closing`` sweep for anything a crash left behind; the reporter's award is written
last, so it marks a case as done. A replay returns the first award, never pays twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from handlers import outbox
from handlers.photos import MEDIA_LIFETIME
from handlers.reports import notify, texts
from handlers.reports.lifecycle import Conflict, transition
from rewards.rules import apply_rule
from rewards.views import AwardResult
from storage import clock
from storage.core.models import Photo, PhotoStatus
from storage.ledger.models import Award
from storage.reports.models import EARNING_SUPPORTS, Case, CaseStatus, Supporter

log = logging.getLogger(__name__)

REPORTER, SUPPORTER, RATING = ("report_confirmed_reporter", "report_confirmed_supporter",
                               "rating_given")
CONFIRM_AFTER = timedelta(hours=72)
LOOKBACK = timedelta(days=14)  # how far back the sweep looks for closed cases without points
BATCH = 100
ACTOR = "system"


async def _reused(case: Case, openid: str) -> bool | None:
    """Whether ``openid``'s photos of the case were used before; None while downloading."""
    rows = await Photo.filter(owner_kind="report", owner_id=case.number, openid=openid)
    if any(p.reused for p in rows):
        return True
    now = clock.now()
    if any(p.status is PhotoStatus.PENDING and now - p.received_at < MEDIA_LIFETIME
           for p in rows):
        return None
    return False


def _facts(case: Case, reused: bool) -> dict[str, bool]:
    return {"reused_photo": reused, "case_rejected": case.status is CaseStatus.REJECTED,
            "case_merged": case.status is CaseStatus.MERGED,
            "case_hidden": case.status is CaseStatus.HIDDEN}


async def award(case_id: int) -> list[AwardResult] | None:
    """Award a closed case's points; None when there is nothing to do (yet)."""
    case = await Case.get_or_none(id=case_id)
    if case is None or case.status is not CaseStatus.CLOSED:
        return None
    reused = await _reused(case, case.reporter_openid)
    if reused is None:
        return None  # the photo sweep has not decided yet; the closing sweep comes back
    results = []
    for supporter in await Supporter.filter(case_id=case.id).order_by("id"):
        own = await _reused(case, supporter.openid)
        facts = _facts(case, bool(own)) | {
            "support_unverified": supporter.via not in EARNING_SUPPORTS}
        results.append(await apply_rule(SUPPORTER, supporter.openid, case.number, facts))
    # An Open311 client is no person: no wallet, no points for it (its supporters still earn).
    if not notify.is_external(case.reporter_openid):
        if case.rating is not None:
            results.append(await apply_rule(RATING, case.reporter_openid, case.number,
                                            _facts(case, False)))
        results.append(await apply_rule(REPORTER, case.reporter_openid, case.number,
                                        _facts(case, reused)))
    earned: Counter[str] = Counter()
    for result in results:
        earned[result.openid] += result.amount
    for openid, points in earned.items():
        if points:
            await outbox.enqueue(openid, texts.N_POINTS.format(number=case.number, points=points),
                                 key=f"case-points:{case.number}:{openid}")
    return results


async def try_award(case_id: int) -> None:
    """Right after a confirmation; on any failure the sweep tries again later."""
    try:
        await award(case_id)
    except Exception:
        log.exception("awarding case %s failed; the sweep will retry", case_id)


async def auto_confirm(case: Case) -> bool:
    """Close one resolved case nobody answered for; False if someone else moved it first."""
    try:
        async with in_transaction() as conn:
            moved = await transition(case, "auto_confirm", ACTOR, note="72 小时未评价",
                                     fields={"auto_confirmed": True, "closed_at": clock.now()},
                                     using_db=conn)
            await notify.resident_progress(case, moved.event.id, texts.N_AUTO_CONFIRMED.format(
                number=case.number), using_db=conn)
    except Conflict:
        return False
    await try_award(case.id)
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


async def _external_done(numbers: list[str]) -> set[str]:
    """Cases of external reporters (no reporter award marks them): done once every
    supporter has theirs."""
    if not numbers:
        return set()
    supporters = await Supporter.filter(case__number__in=numbers).values_list(
        "case__number", "openid")
    awarded = set(await Award.filter(rule=SUPPORTER, subject__in=numbers).values_list(
        "subject", "openid"))
    return set(numbers) - {n for n, o in supporters if (n, o) not in awarded}


async def award_due(limit: int = BATCH) -> int:
    """Closed cases of the last two weeks whose reporter has no award yet."""
    found = await Case.filter(status=CaseStatus.CLOSED, closed_at__gte=clock.now() - LOOKBACK
                              ).order_by("closed_at").values_list("id", "number",
                                                                  "reporter_openid")
    rows = [(case_id, number) for case_id, number, _ in found]
    numbers = [n for _, n in rows]
    done_ = set(await Award.filter(rule=REPORTER, subject__in=numbers or [""]
                                   ).values_list("subject", flat=True))
    done_ |= await _external_done([n for _, n, o in found if notify.is_external(o)])
    awarded = 0
    for case_id, number in [r for r in rows if r[1] not in done_][:limit]:
        try:
            awarded += await award(case_id) is not None
        except Exception:
            log.exception("awarding %s failed", number)
    return awarded


async def sweep(services: object) -> None:
    """Job ``report_closing``: auto-confirm what is due, then award what is not yet."""
    await auto_confirm_due()
    await award_due()
