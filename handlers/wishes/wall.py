"""心愿墙 (open wishes, own community and nearest first, paged with 下一页), 我的认领 and
查看心愿 W12. Lists never show a beneficiary's phone or address; the card of one wish shows
them only to the volunteer holding its active claim."""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import Flow, Step, command, done, goto
from handlers.wishes import service, stats, texts, views
from handlers.wishes.parse import km_between
from handlers.wishes.steps import refusing, wish_arg
from storage.models import Volunteer, Wish, WishStatus

PAGE_SIZE = 5
WALL_LIMIT = 500
FAR = float("inf")


async def open_wishes(volunteer: Volunteer | None) -> list[tuple[Wish, float | None]]:
    """Open wishes with their distance (km) to the volunteer: own community, then nearest."""
    rows = await Wish.filter(status=WishStatus.OPEN).order_by("id").limit(WALL_LIMIT)
    here = (volunteer.lat, volunteer.lng) if volunteer and volunteer.lat is not None else None
    community = volunteer.community if volunteer else None

    def distance(wish: Wish) -> float | None:
        if here is None or wish.lat is None or wish.lng is None:
            return None
        return km_between(here[0], here[1], wish.lat, wish.lng)

    placed = [(wish, distance(wish)) for wish in rows]
    placed.sort(key=lambda item: (
        not (community and item[0].community == community),
        FAR if item[1] is None else item[1],
        item[0].needed_by.toordinal() if item[0].needed_by else FAR,
        item[0].id))
    return placed


async def _page(ctx: Context) -> Step:
    page = ctx.data.get("page", 0)
    volunteer = await Volunteer.get_or_none(openid=ctx.person.openid)
    wishes = await open_wishes(volunteer)
    shown = wishes[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    if not shown:
        return done(texts.WALL_EMPTY if page == 0 else texts.WALL_END)
    lines = [texts.WALL_HEAD.format(page=page + 1)]
    lines += [views.wall_line(wish, km) for wish, km in shown]
    more = len(wishes) > (page + 1) * PAGE_SIZE
    lines.append((texts.WALL_MORE if more else texts.WALL_LAST).format(example=shown[0][0].number))
    text = "\n".join(lines) + ("" if volunteer else texts.WALL_JOIN)
    return goto("browse", text) if more else done(text)


async def wall(ctx: Context) -> Step:
    ctx.data["page"] = 0
    return await _page(ctx)


async def browse(ctx: Context) -> Step | None:
    if ctx.text != "下一页":
        return None  # 认领 W12 and other commands still work while browsing
    ctx.data["page"] = ctx.data.get("page", 0) + 1
    return await _page(ctx)


async def mine(ctx: Context) -> Step:
    openid = ctx.person.openid
    rows = await Wish.filter(claimant_openid=openid,
                             status__in=[WishStatus.CLAIMED, WishStatus.FULFILLED]).order_by("id")
    fulfilled = await stats.fulfilled_by(openid)
    if not rows:
        return done(texts.MINE_EMPTY.format(done=fulfilled))
    lines = [texts.MINE_HEAD]
    for wish in rows:
        until = (texts.MINE_UNTIL.format(time=views.when(wish.claim_expires_at))
                 if wish.status is WishStatus.CLAIMED else "")
        lines.append(texts.MINE_LINE.format(number=wish.number, title=wish.title,
                                            status=texts.STATUS_NAMES[wish.status], until=until))
    lines.append(texts.MINE_TAIL.format(done=fulfilled))
    return done("\n".join(lines))


async def view(ctx: Context) -> Step:
    async def run() -> Step:
        number, _ = wish_arg(ctx)
        wish = await service.get(number)
        holder = (wish.status is WishStatus.CLAIMED
                  and wish.claimant_openid == ctx.person.openid)
        return done(texts.VIEW.format(card=views.card(wish, private=holder),
                                      status=texts.STATUS_NAMES[wish.status]))
    return await refusing(run)


FLOWS = [
    Flow("wish_wall", wall, steps={"browse": browse}, keywords=("心愿墙",), clicks=("WISH_WALL",),
         prompts={"browse": "回复「下一页」查看更多心愿。"}),
    command("wish_mine", mine, "我的认领"),
    command("wish_view", view, "查看心愿", arg="required", arg_hint=("心愿编号", "查看心愿 W12")),
]
