"""The reporter's answer to a resolved case in chat: 满意 / 不满意 / 1分-5分 / 评分 N (confirm
with a rating) or 没修好 (reopen: back to the grid, reopen_count + 1, escalated).

Without a number the answer is for the reporter's one resolved case; with several, the
reply asks for the number (``满意 A1001``). The use cases are ``service.feedback``'s
(``confirm_case``, ``reopen_case``, ``answerable_case``); the points follow a confirmation
once its effect commits (``confirm_case`` registers ``awards.try_award``).
"""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import Flow, Step, done
from handlers.normalize import parse_int
from handlers.reports import texts
from handlers.reports.errors import CaseError
from handlers.reports.service.cases import case_number
from handlers.reports.service.feedback import answerable_case, confirm_case, reopen_case
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
    number = case_number(arg.split(" ")[0]) if arg else None
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


FLOWS = [
    Flow("report_rate", rate, keywords=("满意", "不满意"), arg="optional", arg_pattern=PATTERN),
    Flow("report_score", rate, keywords=tuple(k for k in RATINGS if k.endswith("分"))),
    Flow("report_grade", rate, keywords=("评分",), arg="required", arg_pattern=r"\d",
         arg_hint=("1-5 的分数", "评分 5")),
    Flow("report_reopen", reopen, keywords=("没修好", "没有修好", "没解决"), arg="optional",
         arg_pattern=PATTERN),
]
