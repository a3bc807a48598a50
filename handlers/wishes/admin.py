"""Community admins moderate wishes in chat: 待审心愿, 通过 W12 [网格], 退回 W12 原因."""

from __future__ import annotations

from tortoise.queryset import QuerySet

from handlers.context import Context
from handlers.flows import Step, command, done
from handlers.wishes import service, texts, views
from handlers.wishes.steps import act, wish_arg
from storage.core.models import Person, Role, Wish, WishStatus

ADMINS = frozenset({Role.ADMIN})
SHOWN = 10


def awaiting_review() -> QuerySet[Wish]:
    """Wishes waiting for an admin's 通过 or 退回 (待审心愿)."""
    return Wish.filter(status=WishStatus.SUBMITTED)


async def pending(ctx: Context) -> Step:
    rows = await awaiting_review().order_by("id")
    if not rows:
        return done(texts.PENDING_EMPTY)
    names = dict(await Person.filter(openid__in=[w.poster_openid for w in rows[:SHOWN]])
                 .values_list("openid", "name"))
    lines = [texts.PENDING_HEAD.format(count=len(rows))]
    for wish in rows[:SHOWN]:
        lines.append(texts.PENDING_LINE.format(
            number=wish.number, kind=texts.KIND_NAMES[wish.kind], title=wish.title,
            details=wish.details or texts.NOT_GIVEN, community=wish.community or texts.NOT_GIVEN,
            poster=names.get(wish.poster_openid) or texts.NOT_GIVEN,
            time=views.when(wish.created_at)))
    lines.append(texts.PENDING_TAIL)
    return done("\n".join(lines))


async def approve(ctx: Context) -> Step:
    async def work() -> str:
        number, grid = wish_arg(ctx)
        wish = await service.approve(number, ctx.person.openid, grid=grid.split(" ")[0] or None)
        return texts.APPROVED.format(number=wish.number)
    return await act(ctx, work)


async def reject(ctx: Context) -> Step:
    async def work() -> str:
        number, reason = wish_arg(ctx)
        wish = await service.reject(number, ctx.person.openid, reason)
        return texts.REJECTED.format(number=wish.number)
    return await act(ctx, work)


FLOWS = [
    command("wish_pending", pending, "待审心愿", roles=ADMINS),
    command("wish_approve", approve, "通过", arg="required", roles=ADMINS,
            arg_hint=("心愿编号", "通过 W12")),
    command("wish_reject", reject, "退回", arg="required", roles=ADMINS,
            arg_hint=("心愿编号和原因", "退回 W12 信息不完整，请补充地址")),
]
