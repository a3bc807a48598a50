"""A resident's view of their reports: ``我的上报`` and ``查 A1234``.

Residents see the cases they reported or supported (+1); staff and admins any case.
The answers to a resolved case (满意 / 不满意 / 1-5 / 没修好) live in ``feedback``.
"""

from __future__ import annotations

from tortoise.expressions import Q

from handlers.context import Context
from handlers.flows import Flow, Step, command, done
from handlers.reports import service, texts, views
from storage.models import Person
from storage.report_models import Case, CaseStatus, Supporter

LIST_LIMIT = 10


async def supported_ids(openid: str) -> list[int]:
    return list(await Supporter.filter(openid=openid).values_list("case_id", flat=True))


async def may_see(case: Case, person: Person) -> bool:
    if person.role.is_staff or case.reporter_openid == person.openid:
        return True
    return await Supporter.exists(case_id=case.id, openid=person.openid)


async def mine(ctx: Context) -> Step:
    openid = ctx.person.openid
    supported = await supported_ids(openid)
    cases = await Case.filter(Q(reporter_openid=openid) | Q(id__in=supported or [0])).order_by(
        "-created_at", "-id").limit(LIST_LIMIT)
    if not cases:
        return done(texts.MINE_EMPTY)
    lines = [texts.MINE_HEAD.format(count=len(cases))]
    for case in cases:
        lines.append(texts.MINE_LINE.format(
            number=case.number, category=views.category_name(case.category_code),
            status=views.status_name(case),
            role="" if case.reporter_openid == openid else texts.MINE_SUPPORTER))
    lines.append(texts.MINE_TAIL.format(number=cases[0].number))
    return done("\n".join(lines))


async def lookup(ctx: Context) -> Step:
    number = service.case_number(ctx.arg.split(" ")[0]) if ctx.arg else None
    if number is None:
        return done(texts.LOOKUP_HINT)
    case = await Case.get_or_none(number=number)
    if case is None:
        return done(texts.UNKNOWN_CASE.format(number=number))
    if not await may_see(case, ctx.person):
        return done(texts.NOT_YOURS)
    reply = f"{views.case_card(case)}\n\n{await views.timeline(case)}"
    if case.status is CaseStatus.RESOLVED and case.reporter_openid == ctx.person.openid:
        reply += "\n\n" + texts.ASK_FEEDBACK.format(number=case.number)
    return done(reply)


FLOWS = [
    command("report_mine", mine, "我的上报", clicks=("REPORT_MINE",)),
    Flow("report_lookup", lookup, keywords=("查",), arg="required", arg_pattern=r"[Aa]\s*\d",
         arg_hint=("案件编号", "查 A1001")),
]
