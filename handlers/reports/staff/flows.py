"""Staff commands on 随手拍 cases in chat: 接单, 处理中, 完成 (then the after-photo), 驳回,
转派 物业|部门, 报到, 我的待办, 案件 A1234. Each effect is one transaction keyed by the message;
the use cases are ``service``'s."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from handlers.context import Context
from handlers.flows import Flow, Step, command, done, goto
from handlers.inbound import Kind
from handlers.normalize import normalize, split_command
from handlers.reports import queries, render
from handlers.reports.errors import BadInput, CaseError
from handlers.reports.staff import service
from handlers.reports.staff import texts as t
from handlers.reports.staff.notify import AFTER, photo_text, send_photos
from handlers.reports.staff.render import todo_text
from storage.core.models.people import STAFF_ROLES

_ARG = re.compile(r"^([Aa]\s*\d{1,10})(?:\s+|[,，:：]|$)(.*)$", re.S)
PATTERN = r"[Aa]\s*\d"
TARGETS = {"物业": "property", "部门": "department", "职能部门": "department"}


def case_arg(ctx: Context) -> tuple[str, str]:
    """("A1234", "what follows") from the command's argument; BadInput without a number."""
    match = _ARG.match(normalize(ctx.arg).strip())
    if not match:
        raise BadInput(t.BAD_NUMBER.format(keyword=ctx.keyword or "接单"))
    return match.group(1).replace(" ", "").upper(), match.group(2).strip()


async def act(ctx: Context, work: Callable[[], Awaitable[str]]) -> Step:
    """``work`` as this message's one effect; a refusal is the reply and changes nothing."""
    try:
        async with ctx.effect() as record:
            record.reply = await work()
    except CaseError as exc:
        return done(exc.reply)
    return done(record.reply)


async def accept(ctx: Context) -> Step:
    async def work() -> str:
        case = await service.accept(case_arg(ctx)[0], ctx.person)
        return t.ACCEPTED.format(number=case.number)
    return await act(ctx, work)


async def start(ctx: Context) -> Step:
    async def work() -> str:
        case = await service.start(case_arg(ctx)[0], ctx.person)
        return t.STARTED.format(number=case.number)
    return await act(ctx, work)


async def complete(ctx: Context) -> Step:
    """完成 A1234 [说明]: checks now, then waits for the after-photo."""
    try:
        number, note = case_arg(ctx)
        case = await service.case_for(number, ctx.person, "resolve")
    except CaseError as exc:
        return done(exc.reply)
    ctx.data.update(case=case.number, note=note[:200])
    return goto("after_photo", t.ASK_AFTER_PHOTO.format(number=case.number))


async def after_photo(ctx: Context) -> Step | None:
    if ctx.msg.kind is Kind.TEXT and split_command(ctx.text, KEYWORDS):
        return None  # another staff command: the engine runs it and keeps waiting
    if ctx.msg.kind is not Kind.IMAGE or not ctx.msg.media_id:
        return goto("after_photo", t.NEED_AFTER_PHOTO)
    media_id = ctx.msg.media_id

    async def work() -> str:
        case = await service.resolve(ctx.data["case"], ctx.person, media_id,
                                     ctx.data.get("note", ""))
        return service.resolved_reply(case)
    return await act(ctx, work)


async def reject(ctx: Context) -> Step:
    async def work() -> str:
        number, reason = case_arg(ctx)
        if not reason:
            raise BadInput(t.NEED_REASON.format(number=number))
        case = await service.reject(number, ctx.person, reason[:200])
        return t.REJECTED.format(number=case.number, reason=case.referral)
    return await act(ctx, work)


async def transfer(ctx: Context) -> Step:
    async def work() -> str:
        number, rest = case_arg(ctx)
        target = TARGETS.get(rest.split()[0] if rest else "")
        if target is None:
            raise BadInput(t.TRANSFER_HOW.format(number=number))
        case, label = await service.transfer(number, ctx.person, target)
        return t.TRANSFERRED.format(number=case.number, label=label)
    return await act(ctx, work)


async def acknowledge(ctx: Context) -> Step:
    async def work() -> str:
        case = await service.acknowledge(case_arg(ctx)[0], ctx.person)
        return t.ACKNOWLEDGED.format(number=case.number)
    return await act(ctx, work)


async def todo(ctx: Context) -> Step:
    return done(await todo_text(ctx.person))


async def show(ctx: Context) -> Step:
    """案件 A1234: the card, who answers for it, photos and the timeline."""
    try:
        case = await service.case_for(case_arg(ctx)[0], ctx.person, "view")
    except CaseError as exc:
        return done(exc.reply)
    await render.load_category_names()
    photos = await photo_text(case, template=t.PHOTO_SENDING)
    after = await photo_text(case, AFTER, template=t.AFTER_PHOTO_SENDING)
    # The photos themselves follow as image messages: an answer to the person's own message.
    for kind in ("report", AFTER):
        await send_photos(case, [ctx.msg.openid], kind=kind, urgent=True, again=ctx.msg.dedup_key)
    head = t.CASE_HEAD.format(card=render.case_card(case, place=await render.place_of(case)),
                              photos=photos,
                              who=await queries.who_has(case))
    if after != t.PHOTO_NONE:
        head += t.CASE_AFTER_PHOTOS.format(photos=after)
    return done(f"{head}\n{await render.timeline(case, staff=True)}")


def _hint(keyword: str) -> tuple[str, str]:
    return "案件编号", f"{keyword} A1234"


def _cmd(name: str, run, keyword: str) -> Flow:
    return Flow(name, run, keywords=(keyword,), arg="required", arg_pattern=PATTERN,
                arg_hint=_hint(keyword), roles=STAFF_ROLES)


FLOWS = [
    _cmd("case_accept", accept, "接单"),
    _cmd("case_start", start, "处理中"),
    Flow("case_complete", complete, keywords=("完成",), arg="required", arg_pattern=PATTERN,
         arg_hint=_hint("完成"), roles=STAFF_ROLES, steps={"after_photo": after_photo},
         prompts={"after_photo": t.NEED_AFTER_PHOTO}),
    _cmd("case_reject", reject, "驳回"),
    _cmd("case_transfer", transfer, "转派"),
    _cmd("case_acknowledge", acknowledge, "报到"),
    _cmd("case_show", show, "案件"),
    command("case_todo", todo, "我的待办", "待办", roles=STAFF_ROLES),
]
KEYWORDS = tuple(k for f in FLOWS for k in f.keywords if f.name != "case_complete")
