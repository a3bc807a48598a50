"""我的上报 and 查 A1234 in chat: a resident's list of their reports and one case's card.

Residents see the cases they reported or supported (+1); staff and admins any case in chat.
What may be seen is decided in ``queries``; the text is ``render``'s.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import Flow, Step, command, done
from handlers.reports import queries, render, texts
from handlers.reports.errors import NotAllowed, UnknownCase
from handlers.reports.service.cases import case_number
from storage.reports.models import CaseStatus


async def mine(ctx: Context) -> Step:
    openid = ctx.person.openid
    cases = await queries.my_cases(openid)
    if not cases:
        return done(texts.MINE_EMPTY)
    lines = [texts.MINE_HEAD.format(count=len(cases))]
    for case in cases:
        lines.append(texts.MINE_LINE.format(
            number=case.number, category=render.category_name(case.category_code),
            status=render.status_name(case),
            role="" if case.reporter_openid == openid else texts.MINE_SUPPORTER))
    lines.append(texts.MINE_TAIL.format(number=cases[0].number))
    return done("\n".join(lines))


async def lookup(ctx: Context) -> Step:
    number = case_number(ctx.arg.split(" ")[0]) if ctx.arg else None
    if number is None:
        return done(texts.LOOKUP_HINT)
    try:
        case = await queries.visible_case(number, ctx.person)
    except (UnknownCase, NotAllowed) as exc:
        return done(exc.reply)
    public = not (case.reporter_openid == ctx.person.openid or ctx.person.role.is_staff)
    reply = (f"{render.case_card(case, public, await render.place_of(case))}\n\n"
             f"{await render.timeline(case, public)}")
    if case.status is CaseStatus.RESOLVED and case.reporter_openid == ctx.person.openid:
        reply += "\n\n" + texts.ASK_FEEDBACK.format(number=case.number)
    return done(reply)


FLOWS = [
    command("report_mine", mine, "我的上报", clicks=("REPORT_MINE",)),
    Flow("report_lookup", lookup, keywords=("查",), arg="required", arg_pattern=r"[Aa]\s*\d",
         arg_hint=("案件编号", "查 A1001")),
]
