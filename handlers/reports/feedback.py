"""The reporter's answer to a resolved case: 满意 / 不满意 / 1分-5分 / 评分 N (confirm with a
rating)
or 没修好 (reopen: back to the grid, reopen_count + 1, escalated to the supervisors).

Without a number the answer is for the reporter's one resolved case; with several, the
reply asks for the number (``满意 A1001``). Points follow a confirmation (``closing``).

The use cases are plain functions the API calls too: ``answerable_case`` (whose answer is
awaited), ``confirm_case`` (满意 / 评分) and ``reopen_case`` (没修好). They raise
``CaseError``s carrying the chat's reply.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.context import Context
from handlers.flows import Flow, Step, done
from handlers.normalize import parse_int
from handlers.reports import closing, routing, service, staff_notify, texts, views
from handlers.reports.errors import BadInput, CaseError, NotAllowed, UnknownCase, WrongState
from handlers.reports.lifecycle import Conflict, transition
from handlers.reports.urgency import staff_urgent
from storage import clock
from storage.geo.models import Category
from storage.reports.models import Case, CaseStatus

# Bare digits are no commands: an exact command wins over a conversation's answer (engine),
# and "1" answers many questions. "5分" and "评分 5" are unmistakable.
RATINGS = {"满意": 5, "不满意": 1, **{f"{n}分": n for n in range(1, 6)}}
PATTERN = r"[Aa]\s*\d"


def _rating(ctx: Context) -> tuple[int | None, str]:
    """The rating and what follows it (the case number, if any)."""
    if ctx.keyword != "评分":
        return RATINGS[ctx.keyword], ctx.arg
    head, _, rest = ctx.arg.partition(" ")
    value = parse_int(head)
    return (value if value is not None and 1 <= value <= 5 else None), rest.strip()


async def _target(ctx: Context, arg: str) -> Case | str:
    """The case the answer is about, or the reply explaining why there is none."""
    openid = ctx.person.openid
    number = service.case_number(arg.split(" ")[0]) if arg else None
    if arg and number is None:
        return texts.FEEDBACK_HINT.format(keyword=ctx.keyword)
    if number is not None:
        try:
            return await answerable_case(number, openid)
        except CaseError as exc:
            return exc.reply
    cases = await Case.filter(reporter_openid=openid, status=CaseStatus.RESOLVED).order_by(
        "-resolved_at", "-id")
    if not cases:
        return texts.NOTHING_TO_CONFIRM
    if len(cases) > 1:
        numbers = "、".join(c.number for c in cases[:5])
        return texts.WHICH_CASE.format(numbers=numbers, keyword=ctx.keyword or "满意",
                                       first=cases[0].number)
    return cases[0]


async def rate(ctx: Context) -> Step:
    rating, arg = _rating(ctx)
    if rating is None:
        return done(texts.RATING_BAD)
    case = await _target(ctx, arg)
    if isinstance(case, str):
        return done(case)
    try:
        async with ctx.effect() as record:
            record.reply = await confirm_case(case, ctx.person.openid, rating)
    except CaseError as exc:
        return done(exc.reply)
    await closing.try_award(case.id)  # after the commit: the ledger keeps its own transaction
    return done(record.reply)


async def reopen(ctx: Context) -> Step:
    case = await _target(ctx, ctx.arg)
    if isinstance(case, str):
        return done(case)
    try:
        async with ctx.effect() as record:
            record.reply = await reopen_case(case, ctx.person.openid)
    except CaseError as exc:
        return done(exc.reply)
    return done(record.reply)


async def answerable_case(number: str, openid: str) -> Case:
    """Case ``number`` (as ``service.case_number`` reads it) if it awaits ``openid``'s answer.

    UnknownCase, NotAllowed (only the reporter answers) or WrongState (not resolved).
    """
    case = await Case.get_or_none(number=number)
    if case is None:
        raise UnknownCase(texts.UNKNOWN_CASE.format(number=number))
    if case.reporter_openid != openid:
        raise NotAllowed(texts.ONLY_REPORTER.format(number=number))
    if case.status is not CaseStatus.RESOLVED:
        raise WrongState(texts.NOT_RESOLVED.format(number=number, status=views.status_name(case)))
    return case


async def _moved_meanwhile(case: Case) -> WrongState:
    fresh = await Case.get(id=case.id)
    return WrongState(texts.NOT_RESOLVED.format(number=case.number,
                                                status=views.status_name(fresh)))


async def confirm_case(case: Case, openid: str, rating: int, comment: str = "") -> str:
    """The reporter confirms resolved ``case`` with a rating 1-5 (满意 = 5, 不满意 = 1): closed.

    Returns the reply; WrongState if the case is no longer resolved (someone was faster).
    Run it in a transaction, then ``closing.try_award(case.id)`` for the points.
    """
    if not 1 <= rating <= 5:
        raise BadInput(texts.RATING_BAD)
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
    note = "居民反馈没修好" + (f"：{reason}" if reason else "")
    await transition(case, "reopen", openid, note=note, fields={
        "reopen_count": count, "confirm_due_at": None, "resolved_at": None, "overdue": False,
        "accept_escalated_at": None, "resolve_escalated_at": None,
        "accept_due_at": now + timedelta(hours=accept_h),
        "resolve_due_at": now + timedelta(hours=resolve_h)})
    if category is not None:
        await service.dispatch(case, category)  # routed afresh, its staff told
    escalated = await transition(case, "escalate", "system", note=f"没修好，第 {count} 次重办",
                                 fields={"escalation_level": case.escalation_level + 1,
                                         "last_escalated_at": now})
    text = texts.N_REOPENED_STAFF.format(number=case.number, count=count)
    await staff_notify.tell(case, escalated.event.id, await routing.supervisors(case), text,
                            urgent=staff_urgent(category, now))


FLOWS = [
    Flow("report_rate", rate, keywords=("满意", "不满意"), arg="optional", arg_pattern=PATTERN),
    Flow("report_score", rate, keywords=tuple(k for k in RATINGS if k.endswith("分"))),
    Flow("report_grade", rate, keywords=("评分",), arg="required", arg_pattern=r"\d",
         arg_hint=("1-5 的分数", "评分 5")),
    Flow("report_reopen", reopen, keywords=("没修好", "没有修好", "没解决"), arg="optional",
         arg_pattern=PATTERN),
]
