"""What volunteers and beneficiaries do to one wish in chat: 认领, 放弃, 完成 (then a photo
and a note), 确认心愿, 未完成, 取消心愿. Each effect is one transaction keyed by the message;
the use cases are ``service.claims`` (and ``service.posting.cancel``)."""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import Flow, Step, command, goto
from handlers.inbound import Kind
from handlers.masking import mask_name
from handlers.wishes import render, texts
from handlers.wishes.errors import BadInput
from handlers.wishes.flows.steps import act, refusing, skipped, text_only, wish_arg
from handlers.wishes.service import claims, posting
from storage.core.models import Volunteer


def _hint(example: str) -> tuple[str, str]:
    return "心愿编号", example


async def claim(ctx: Context) -> Step:
    async def work() -> str:
        number, _ = wish_arg(ctx)
        wish = await claims.claim(number, ctx.person.openid)
        return texts.CLAIM_OK.format(number=wish.number, title=wish.title,
                                     until=render.when(wish.claim_expires_at),
                                     private=render.contact(wish))
    return await act(ctx, work)


async def release(ctx: Context) -> Step:
    async def work() -> str:
        number, _ = wish_arg(ctx)
        wish = await claims.release(number, ctx.person.openid)
        return texts.RELEASED.format(number=wish.number)
    return await act(ctx, work)


async def complete(ctx: Context) -> Step:
    """完成 W12 [说明]: checks the claim now, then waits for the proof photo."""
    async def run() -> Step:
        number, note = wish_arg(ctx)
        wish = await claims.held_by(number, ctx.person.openid)
        ctx.data.update(wish=wish.id, note=note[:100])
        return goto("proof", texts.ASK_PROOF.format(number=wish.number))
    return await refusing(run)


async def proof(ctx: Context) -> Step | None:
    if ctx.msg.kind is not Kind.IMAGE or not ctx.msg.media_id:
        return None  # the engine tries other commands, then asks for the photo again
    ctx.data["media_id"] = ctx.msg.media_id
    if ctx.data.get("note"):
        return await _fulfil(ctx)
    return goto("note", texts.ASK_NOTE)


async def note(ctx: Context) -> Step:
    if refusal := text_only(ctx, "note", texts.ASK_NOTE):
        return refusal
    if len(ctx.text) > 100:
        return goto("note", texts.NOTE_BAD)
    ctx.data["note"] = "" if skipped(ctx.text) else ctx.text
    return await _fulfil(ctx)


async def _fulfil(ctx: Context) -> Step:
    async def work() -> str:
        wish = await claims.complete(ctx.data["wish"], ctx.person.openid, ctx.data["media_id"],
                                     ctx.data.get("note", ""))
        return texts.FULFILLED.format(number=wish.number)
    return await act(ctx, work)


async def confirm(ctx: Context) -> Step:
    async def work() -> str:
        number, _ = wish_arg(ctx)
        wish = await claims.confirm(number, ctx.person)  # the points follow the commit
        volunteer = await Volunteer.get_or_none(openid=wish.claimant_openid)
        name = volunteer.name if volunteer else ""
        # Staff read the volunteer's name; the beneficiary, like any resident, 陈**.
        return texts.CONFIRMED.format(
            number=wish.number, volunteer=name if ctx.person.role.is_staff else mask_name(name))
    return await act(ctx, work)


async def dispute(ctx: Context) -> Step:
    async def work() -> str:
        number, reason = wish_arg(ctx)
        if not reason:
            raise BadInput(texts.NEED_REASON.format(keyword="未完成", number=f"W{number}"))
        wish = await claims.dispute(number, ctx.person, reason[:200])
        return texts.DISPUTED.format(number=wish.number, until=render.when(wish.claim_expires_at))
    return await act(ctx, work)


async def cancel(ctx: Context) -> Step:
    async def work() -> str:
        number, _ = wish_arg(ctx)
        wish = await posting.cancel(number, ctx.person)
        return texts.CANCELLED.format(number=wish.number)
    return await act(ctx, work)


FLOWS = [
    command("wish_claim", claim, "认领", arg="required", arg_hint=_hint("认领 W12")),
    command("wish_release", release, "放弃", arg="required", arg_hint=_hint("放弃 W12")),
    Flow("wish_complete", complete, keywords=("完成",), arg="required", arg_pattern=r"[Ww]\s*\d",
         arg_hint=_hint("完成 W12"), steps={"proof": proof, "note": note},
         prompts={"proof": texts.PROOF_NEEDS_PHOTO, "note": texts.ASK_NOTE}),
    command("wish_confirm", confirm, "确认心愿", arg="required", arg_hint=_hint("确认心愿 W12")),
    command("wish_dispute", dispute, "未完成", arg="required",
            arg_hint=texts.HINT_DISPUTE),
    command("wish_cancel", cancel, "取消心愿", "撤销心愿", arg="required",
            arg_hint=_hint("取消心愿 W12")),
]
