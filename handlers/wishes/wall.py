"""心愿墙 (open wishes, own community and nearest first, paged with 下一页), 我的认领 and
查看心愿 W12. Lists never show a beneficiary's phone or address; the card of one wish shows
them only to the volunteer holding its active claim.

The queries (``open_wishes``, ``claims_of``, ``posted_by``) and the rules of who sees what
(``holds_claim``, ``may_view``) serve the chat and the mini-program alike.
"""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from handlers.context import Context
from handlers.flows import Flow, Step, command, done, goto
from handlers.wishes import claims, service, stats, texts, views
from handlers.wishes.errors import UnknownWish
from handlers.wishes.parse import km_between
from handlers.wishes.steps import refusing, wish_arg
from storage.core.models import Person, Role, Volunteer, Wish, WishStatus

PAGE_SIZE = 5
WALL_LIMIT = 500
FAR = float("inf")
NO_DATE = 10**7  # after every date's ordinal
ACTIVE_CLAIMS = (WishStatus.CLAIMED, WishStatus.FULFILLED)
# Approved wishes anyone may look at; a submitted, rejected or cancelled one only its people.
PUBLIC = frozenset({WishStatus.OPEN, WishStatus.CLAIMED, WishStatus.FULFILLED,
                    WishStatus.CONFIRMED, WishStatus.CLOSED})

WallKey = tuple[int, float, int, int]


def wall_key(wish: Wish, km: float | None, community: str | None) -> WallKey:
    """The wall's order: own community first, then nearest (unknown last), then the
    earliest needed-by date (none last), then the oldest."""
    return (0 if community and wish.community == community else 1,
            FAR if km is None else km,
            wish.needed_by.toordinal() if wish.needed_by else NO_DATE,
            wish.id)


def origin(volunteer: Volunteer | None) -> tuple[float, float] | None:
    """Where the volunteer said they are (志愿者注册's location), if they did."""
    if volunteer is None or volunteer.lat is None or volunteer.lng is None:
        return None
    return volunteer.lat, volunteer.lng


async def open_wishes(volunteer: Volunteer | None, near: tuple[float, float] | None = None
                      ) -> list[tuple[Wish, float | None]]:
    """Open wishes with their distance (km) to the volunteer (or to ``near``, a point the
    caller gives instead): own community, then nearest. The first ``WALL_LIMIT`` by id."""
    rows = await Wish.filter(status=WishStatus.OPEN).order_by("id").limit(WALL_LIMIT)
    here = near or origin(volunteer)
    community = volunteer.community if volunteer else None

    def distance(wish: Wish) -> float | None:
        if here is None or wish.lat is None or wish.lng is None:
            return None
        return km_between(here[0], here[1], wish.lat, wish.lng)

    placed = [(wish, distance(wish)) for wish in rows]
    placed.sort(key=lambda item: wall_key(item[0], item[1], community))
    return placed


def claims_of(openid: str, statuses: tuple[WishStatus, ...] = ACTIVE_CLAIMS) -> QuerySet[Wish]:
    """Wishes ``openid`` has claimed, in ``statuses`` (我的认领: the active ones)."""
    return Wish.filter(claimant_openid=openid, status__in=list(statuses))


def posted_by(openid: str) -> QuerySet[Wish]:
    """Wishes ``openid`` posted, or that were posted for them."""
    return Wish.filter(Q(poster_openid=openid) | Q(beneficiary_openid=openid))


def holds_claim(wish: Wish, openid: str) -> bool:
    """Whether ``openid`` holds the wish's active claim: only they see its contact details."""
    return wish.status is WishStatus.CLAIMED and wish.claimant_openid == openid


def involved(wish: Wish, person: Person) -> bool:
    """The poster, the beneficiary, the claimant, who may confirm, or an admin."""
    return (person.role is Role.ADMIN or claims.may_confirm(wish, person)
            or person.openid in (wish.poster_openid, wish.beneficiary_openid,
                                 wish.claimant_openid))


def may_view(wish: Wish, person: Person) -> bool:
    """An approved wish is public; a submitted, rejected or cancelled one is its people's."""
    return wish.status in PUBLIC or involved(wish, person)


async def visible(wish_id: int | None, person: Person) -> Wish:
    """The wish if ``person`` may look at it; UnknownWish (as if there were none) if not."""
    wish = await service.get(wish_id)
    if not may_view(wish, person):
        raise UnknownWish(texts.UNKNOWN_WISH.format(number=wish.number))
    return wish


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
    rows = await claims_of(openid).order_by("id")
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
        holder = holds_claim(wish, ctx.person.openid)
        card = views.card(wish, private=holder, public=not involved(wish, ctx.person))
        return done(texts.VIEW.format(card=card,
                                      status=texts.STATUS_NAMES[wish.status]))
    return await refusing(run)


FLOWS = [
    Flow("wish_wall", wall, steps={"browse": browse}, keywords=("心愿墙",), clicks=("WISH_WALL",),
         prompts={"browse": "回复「下一页」查看更多心愿。"}),
    command("wish_mine", mine, "我的认领"),
    command("wish_view", view, "查看心愿", arg="required", arg_hint=("心愿编号", "查看心愿 W12")),
]
