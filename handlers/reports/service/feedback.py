"""The reporter's answer to a resolved case, as use cases the chat and the API both call.

``answerable_case`` (whose answer is awaited), ``confirm_case`` (满意 / 评分: closed with a
rating) and ``reopen_case`` (没修好: dispatched afresh with fresh SLAs and escalated to the
supervisors). They raise ``CaseError``s carrying the chat's reply; the chat's steps are
``flows.feedback``.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from handlers.reports import awards, render, routing, texts
from handlers.reports.errors import BadInput, NotAllowed, UnknownCase, WrongState
from handlers.reports.lifecycle import Conflict, transition
from handlers.reports.service import cases
from handlers.reports.staff import notify as staff_notify
from handlers.reports.urgency import staff_urgent
from storage import clock
from storage.aftercommit import on_commit
from storage.geo.models import Category
from storage.reports.models import Case, CaseStatus


async def answerable_case(number: str, openid: str) -> Case:
    """Case ``number`` (as ``cases.case_number`` reads it) if it awaits ``openid``'s answer.

    UnknownCase, NotAllowed (only the reporter answers) or WrongState (not resolved).
    """
    case = await Case.get_or_none(number=number)
    if case is None:
        raise UnknownCase(texts.UNKNOWN_CASE.format(number=number))
    if case.reporter_openid != openid:
        raise NotAllowed(texts.ONLY_REPORTER.format(number=number))
    if case.status is not CaseStatus.RESOLVED:
        raise WrongState(texts.NOT_RESOLVED.format(number=number, status=render.status_name(case)))
    return case


async def _moved_meanwhile(case: Case) -> WrongState:
    fresh = await Case.get(id=case.id)
    return WrongState(texts.NOT_RESOLVED.format(number=case.number,
                                                status=render.status_name(fresh)))


async def confirm_case(case: Case, openid: str, rating: int, comment: str = "") -> str:
    """The reporter confirms resolved ``case`` with a rating 1-5 (满意 = 5, 不满意 = 1): closed.

    Returns the reply; WrongState if the case is no longer resolved (someone was faster).
    Run it in ``storage.dedup.effect`` (or ``aftercommit.transaction``): the points follow
    once that commits (``awards.try_award``, registered here).
    """
    if not 1 <= rating <= 5:
        raise BadInput(texts.RATING_BAD)
    # The points once this commits (the ledger keeps its own transaction); registered
    # before any write, so a caller outside a transaction fails having changed nothing.
    on_commit(functools.partial(awards.try_award, case.id))
    note = f"评分 {rating} 分" + (f"：{comment.strip()}" if comment.strip() else "")
    try:
        await transition(case, "confirm", openid, note=note,
                         fields={"rating": rating, "closed_at": clock.now()})
    except Conflict:
        raise await _moved_meanwhile(case) from None
    reply = texts.CONFIRMED if rating >= 3 else texts.CONFIRMED_LOW
    return reply.format(number=case.number, rating=rating)


async def reopen_case(case: Case, openid: str, reason: str = "") -> str:
    """没修好: resolved ``case`` is reopened (``_reopen``); the reply, or WrongState."""
    try:
        await _reopen(case, openid, reason.strip())
    except Conflict:
        raise await _moved_meanwhile(case) from None
    return texts.REOPENED.format(number=case.number)


async def _reopen(case: Case, openid: str, reason: str = "") -> None:
    """reopen -> dispatched afresh with fresh SLAs, and an escalation to the supervisors;
    staff hear at once, even in the quiet hours, when the fresh accept SLA ends before they do."""
    now = clock.now()
    category = await Category.get_or_none(code=case.category_code)
    accept_h, resolve_h = ((category.accept_sla_hours, category.resolve_sla_hours)
                           if category else (24, 72))
    count = case.reopen_count + 1
    # The action names what happened (居民反馈没修好); the note is only the resident's reason.
    await transition(case, "reopen", openid, note=reason, fields={
        "reopen_count": count, "confirm_due_at": None, "resolved_at": None, "overdue": False,
        "accept_escalated_at": None, "resolve_escalated_at": None,
        "accept_due_at": now + timedelta(hours=accept_h),
        "resolve_due_at": now + timedelta(hours=resolve_h)})
    if category is not None:
        await cases.dispatch(case, category)  # routed afresh, its staff told
    escalated = await transition(case, "escalate", "system", note=texts.REOPEN_ESCALATION.format(count=count),
                                 fields={"escalation_level": case.escalation_level + 1,
                                         "last_escalated_at": now})
    text = texts.N_REOPENED_STAFF.format(number=case.number, count=count)
    await staff_notify.tell(case, escalated.event.id, await routing.supervisors(case), text,
                            urgent=staff_urgent(category, now))
