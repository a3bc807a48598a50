"""The reporter's answer to a resolved case: 满意 / 不满意 / 1分-5分 / 评分 N (confirm with a
rating)
or 没修好 (reopen: back to the grid, reopen_count + 1, escalated to the supervisors).

Without a number the answer is for the reporter's one resolved case; with several, the
reply asks for the number (``满意 A1001``). Points follow a confirmation (``closing``).
"""

from __future__ import annotations

from datetime import timedelta

from handlers.context import Context
from handlers.flows import Flow, Step, done
from handlers.normalize import parse_int
from handlers.reports import closing, routing, service, staff_notify, texts, views
from handlers.reports.lifecycle import Conflict, transition
from storage import clock
from storage.geo_models import Category
from storage.report_models import Case, CaseStatus

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
        case = await Case.get_or_none(number=number)
        if case is None:
            return texts.UNKNOWN_CASE.format(number=number)
        if case.reporter_openid != openid:
            return texts.ONLY_REPORTER.format(number=number)
        if case.status is not CaseStatus.RESOLVED:
            return texts.NOT_RESOLVED.format(number=number, status=views.status_name(case))
        return case
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
            await transition(case, "confirm", ctx.person.openid, note=f"评分 {rating} 分",
                             fields={"rating": rating, "closed_at": clock.now()})
            reply = texts.CONFIRMED if rating >= 3 else texts.CONFIRMED_LOW
            record.reply = reply.format(number=case.number, rating=rating)
    except Conflict:
        fresh = await Case.get(id=case.id)
        return done(texts.NOT_RESOLVED.format(number=case.number, status=views.status_name(fresh)))
    await closing.try_award(case.id)
    return done(record.reply)


async def reopen(ctx: Context) -> Step:
    case = await _target(ctx, ctx.arg)
    if isinstance(case, str):
        return done(case)
    try:
        async with ctx.effect() as record:
            await _reopen(case, ctx.person.openid)
            record.reply = texts.REOPENED.format(number=case.number)
    except Conflict:
        fresh = await Case.get(id=case.id)
        return done(texts.NOT_RESOLVED.format(number=case.number, status=views.status_name(fresh)))
    return done(record.reply)


async def _reopen(case: Case, openid: str) -> None:
    """reopen -> dispatched afresh with fresh SLAs, and an escalation to the supervisors."""
    now = clock.now()
    category = await Category.get_or_none(code=case.category_code)
    accept_h, resolve_h = ((category.accept_sla_hours, category.resolve_sla_hours)
                           if category else (24, 72))
    count = case.reopen_count + 1
    await transition(case, "reopen", openid, note="居民反馈没修好", fields={
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
    await staff_notify.tell(case, escalated.event.id, await routing.supervisors(case), text)


FLOWS = [
    Flow("report_rate", rate, keywords=("满意", "不满意"), arg="optional", arg_pattern=PATTERN),
    Flow("report_score", rate, keywords=tuple(k for k in RATINGS if k.endswith("分"))),
    Flow("report_grade", rate, keywords=("评分",), arg="required", arg_pattern=r"\d",
         arg_hint=("1-5 的分数", "评分 5")),
    Flow("report_reopen", reopen, keywords=("没修好", "没有修好", "没解决"), arg="optional",
         arg_pattern=PATTERN),
]
