"""心愿墙 (open wishes, own community and nearest first, paged with 下一页), 我的认领 and
查看心愿 W12, in chat. Lists never show a beneficiary's phone or address; the card of one
wish shows them only to the volunteer holding its active claim (``access``).

The wall is ``queries.wall_page``, as for the mini-program: the first page fixes the point
and the community it is seen from, and each 下一页 continues after the last wish shown.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import Flow, Step, command, done, goto
from handlers.wishes import queries, render, texts
from handlers.wishes.access import holds_claim, involved
from handlers.wishes.flows.steps import refusing, wish_arg
from storage.core.models import Volunteer


async def _page(ctx: Context) -> Step:
    number = ctx.data.get("page", 0) + 1
    volunteer = await Volunteer.get_or_none(openid=ctx.person.openid)
    if number == 1 or "near" not in ctx.data:  # the first page fixes where it is seen from
        near = queries.origin(volunteer)
        ctx.data.update(near=list(near) if near else None,
                        community=volunteer.community if volunteer else None)
    after = ctx.data.get("after")
    near = ctx.data.get("near")
    page = await queries.wall_page(
        (near[0], near[1]) if near else None, ctx.data.get("community"),
        after=queries.key_from(after) if after else None)
    ctx.data.update(page=number,
                    after=queries.key_values(page.after) if page.after else None)
    more = page.after is not None
    text = render.wall_page(number, page.items, more, volunteer is not None)
    return goto("browse", text) if more else done(text)


async def wall(ctx: Context) -> Step:
    ctx.data.update(page=0, after=None)
    return await _page(ctx)


async def browse(ctx: Context) -> Step | None:
    if ctx.text != "下一页":
        return None  # 认领 W12 and other commands still work while browsing
    return await _page(ctx)


async def mine(ctx: Context) -> Step:
    openid = ctx.person.openid
    rows = await queries.claims_of(openid).order_by("id")
    return done(render.my_claims(rows, await queries.fulfilled_by(openid)))


async def view(ctx: Context) -> Step:
    async def run() -> Step:
        number, _ = wish_arg(ctx)
        wish = await queries.get(number)
        card = render.card(wish, private=holds_claim(wish, ctx.person.openid),
                           public=not involved(wish, ctx.person))
        return done(texts.VIEW.format(card=card, status=texts.STATUS_NAMES[wish.status]))
    return await refusing(run)


FLOWS = [
    Flow("wish_wall", wall, steps={"browse": browse}, keywords=("心愿墙",), clicks=("WISH_WALL",),
         prompts={"browse": texts.WALL_PROMPT}),
    command("wish_mine", mine, "我的认领"),
    command("wish_view", view, "查看心愿", arg="required", arg_hint=("心愿编号", "查看心愿 W12")),
]
