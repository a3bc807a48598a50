"""Community admins moderate wishes in chat: 待审心愿, 通过 W12 [网格], 退回 W12 原因."""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import Step, command, done
from handlers.wishes import queries, render, texts
from handlers.wishes.flows.steps import act, wish_arg
from handlers.wishes.service import posting
from storage.core.models import Role

ADMINS = frozenset({Role.ADMIN})


async def pending(ctx: Context) -> Step:
    rows = await queries.awaiting_review().order_by("id")
    names = await queries.poster_names(rows[:render.PENDING_SHOWN]) if rows else {}
    return done(render.pending(rows, names))


async def approve(ctx: Context) -> Step:
    async def work() -> str:
        number, grid = wish_arg(ctx)
        wish = await posting.approve(number, ctx.person.openid, grid=grid.split(" ")[0] or None)
        return texts.APPROVED.format(number=wish.number)
    return await act(ctx, work)


async def reject(ctx: Context) -> Step:
    async def work() -> str:
        number, reason = wish_arg(ctx)
        wish = await posting.reject(number, ctx.person.openid, reason)
        return texts.REJECTED.format(number=wish.number)
    return await act(ctx, work)


FLOWS = [
    command("wish_pending", pending, "待审心愿", roles=ADMINS),
    command("wish_approve", approve, "通过", arg="required", roles=ADMINS,
            arg_hint=("心愿编号", "通过 W12")),
    command("wish_reject", reject, "退回", arg="required", roles=ADMINS,
            arg_hint=texts.HINT_REJECT),
]
