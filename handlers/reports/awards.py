"""The points for a closed case: each supporter +2, a rating +1, the reporter +10.

Points go through the ledger (``rewards.rules.apply_rule``), keyed per (case, rule, person):
nothing for a case that is not closed (rejected, merged, hidden), nothing to the reporter for
a reused photo, and nothing to a supporter whose +1 was not made as ``service.support``
allows (offered nearby, or within the radius of their location; supporters from before that
rule count as made so: ``Supporter.via``). They are applied right after the confirming
message (``try_award``: the ledger keeps its own transaction) and again by the
``report_closing`` sweep (``award_due``, run from ``scheduled``) for anything a crash left
behind; the reporter's award is written last, so it marks a case as done. A replay returns
the first award, never pays twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from handlers import outbox
from handlers.photos import MEDIA_LIFETIME
from handlers.reports import notify, texts
from rewards.rules import apply_rule
from rewards.values import AwardResult
from storage import clock
from storage.core.models import Photo, PhotoStatus
from storage.ledger.models import Award
from storage.reports.models import EARNING_SUPPORTS, Case, CaseStatus, Supporter

log = logging.getLogger(__name__)

REPORTER, SUPPORTER, RATING = ("report_confirmed_reporter", "report_confirmed_supporter",
                               "rating_given")
LOOKBACK = timedelta(days=14)  # how far back the sweep looks for closed cases without points
BATCH = 100


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
