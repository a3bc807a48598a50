"""Read-only lookups over wishes, for the chat, the API, the CLI and the bulletin alike.

- one wish: ``get`` (or UnknownWish), ``visible`` (as if absent to who may not see it);
- the wall (心愿墙): ``wall_page`` - open wishes, own community first, then nearest, one
  keyset page at a time (the chat's 下一页 and the API's cursor both page with it);
- lists: ``claims_of`` (我的认领), ``posted_by`` (my wishes), ``awaiting_review`` (待审心愿);
- counts: ``fulfilled_by`` (a volunteer's), ``fulfilled_counts`` (the weekly bulletin);
- the console (心愿 in 指挥中心): ``seen_by`` (the wishes a staff member works with),
  ``status_counts``, ``active_claims``, ``history``, ``volunteer_board``, ``community_code``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from handlers.geo import places
from handlers.wishes import texts
from handlers.wishes.access import may_view
from handlers.wishes.errors import UnknownWish
from handlers.wishes.parse import km_between
from storage.core.models import Person, Role, Volunteer, Wish, WishEvent, WishStatus
from storage.geo.models import Community, Grid

WALL_LIMIT = 500
PAGE_SIZE = 5
FAR = float("inf")
NO_DATE = 10**7  # after every date's ordinal
ACTIVE_CLAIMS = (WishStatus.CLAIMED, WishStatus.FULFILLED)
FULFILLED = (WishStatus.CONFIRMED, WishStatus.CLOSED)

Point = tuple[float, float]
WallKey = tuple[int, float, int, int]  # own community 0/1, km (FAR: unknown), due, id


# -- one wish -----------------------------------------------------------------------------


async def get(wish_id: int | None) -> Wish:
    wish = await Wish.get_or_none(id=wish_id) if wish_id else None
    if wish is None:
        raise UnknownWish(texts.UNKNOWN_WISH.format(number=f"W{wish_id}" if wish_id else ""))
    return wish


async def visible(wish_id: int | None, person: Person) -> Wish:
    """The wish if ``person`` may look at it; UnknownWish (as if there were none) if not."""
    wish = await get(wish_id)
    if not may_view(wish, person):
        raise UnknownWish(texts.UNKNOWN_WISH.format(number=wish.number))
    return wish


# -- the wall -----------------------------------------------------------------------------


def wall_key(wish: Wish, km: float | None, community: str | None) -> WallKey:
    """The wall's order: own community first, then nearest (unknown last; distances to the
    millimetre), then the earliest needed-by date (none last), then the oldest."""
    return (0 if community and wish.community == community else 1,
            FAR if km is None else round(km, 6),
            wish.needed_by.toordinal() if wish.needed_by else NO_DATE,
            wish.id)


def key_values(key: WallKey) -> list[int | float | None]:
    """``key`` as JSON values (an unknown distance is null), to keep between pages."""
    flag, km, due, last = key
    return [flag, None if km == FAR else km, due, last]


def key_from(values: Sequence[object]) -> WallKey:
    """The key ``key_values`` gave; ValueError for anything else."""
    if len(values) != 4:
        raise ValueError("a wall key has four parts")
    flag, km, due, last = values
    if not (all(_integer(v) for v in (flag, due, last)) and (km is None or _number(km))):
        raise ValueError("not a wall key")
    return flag, FAR if km is None else float(km), due, last  # type: ignore[return-value]


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def origin(volunteer: Volunteer | None) -> Point | None:
    """Where the volunteer said they are (志愿者注册's location), if they did."""
    if volunteer is None or volunteer.lat is None or volunteer.lng is None:
        return None
    return volunteer.lat, volunteer.lng


@dataclass(frozen=True)
class WallPage:
    items: list[tuple[Wish, float | None]]  # each open wish with its distance (km), if known
    after: WallKey | None  # the last item's key when more follow: the next page's ``after``


async def wall_page(near: Point | None, community: str | None, *, after: WallKey | None = None,
                    limit: int = PAGE_SIZE) -> WallPage:
    """One page of the wall seen from ``near`` by someone of ``community``: the open wishes
    ordered by ``wall_key`` that come after the key ``after`` (None: the first page).

    Keyset paging: a wish claimed between two pages simply drops out and nothing is
    repeated, so the caller keeps ``near`` and ``community`` of the first page for the rest.
    The wall is drawn from the first ``WALL_LIMIT`` open wishes by id.
    """
    rows = await Wish.filter(status=WishStatus.OPEN).order_by("id").limit(WALL_LIMIT)
    points = await _points(rows) if near is not None else {}

    def distance(wish: Wish) -> float | None:
        point = points.get(wish.id)
        if near is None or point is None:
            return None
        return km_between(near[0], near[1], point[0], point[1])

    keyed = sorted(((wall_key(wish, km, community), wish, km)
                    for wish, km in ((wish, distance(wish)) for wish in rows)),
                   key=lambda item: item[0])
    if after is not None:
        keyed = [item for item in keyed if item[0] > after]
    shown = keyed[:limit]
    more = len(keyed) > limit
    return WallPage(items=[(wish, km) for _, wish, km in shown],
                    after=shown[-1][0] if more and shown else None)


async def _points(wishes: Sequence[Wish]) -> dict[int, Point]:
    """Where each wish is: its own point, else its grid's or its community's (a wish posted
    with a typed address has an area, not a point)."""
    found: dict[int, Point] = {}
    areas: dict[tuple[str | None, str | None], Point | None] = {}
    for wish in wishes:
        if wish.lat is not None and wish.lng is not None:
            found[wish.id] = (wish.lat, wish.lng)
            continue
        key = (wish.grid, wish.community)
        if key not in areas:
            areas[key] = await places.area_point(wish.grid, wish.community)
        if (point := areas[key]) is not None:
            found[wish.id] = point
    return found


async def open_wishes(volunteer: Volunteer | None, near: Point | None = None
                      ) -> list[tuple[Wish, float | None]]:
    """The whole wall for ``volunteer`` (from ``near`` if given, else their location)."""
    community = volunteer.community if volunteer else None
    page = await wall_page(near or origin(volunteer), community, limit=WALL_LIMIT)
    return page.items


async def open_communities() -> set[str]:
    """The communities open wishes name (an API wall cursor finds its own among them)."""
    found = await Wish.filter(status=WishStatus.OPEN, community__isnull=False).distinct(
        ).values_list("community", flat=True)
    return {community for community in found if community}


# -- lists --------------------------------------------------------------------------------


def claims_of(openid: str, statuses: tuple[WishStatus, ...] = ACTIVE_CLAIMS) -> QuerySet[Wish]:
    """Wishes ``openid`` has claimed, in ``statuses`` (我的认领: the active ones)."""
    return Wish.filter(claimant_openid=openid, status__in=list(statuses))


def posted_by(openid: str) -> QuerySet[Wish]:
    """Wishes ``openid`` posted, or that were posted for them."""
    return Wish.filter(Q(poster_openid=openid) | Q(beneficiary_openid=openid))


def awaiting_review() -> QuerySet[Wish]:
    """Wishes waiting for an admin's 通过 or 退回 (待审心愿)."""
    return Wish.filter(status=WishStatus.SUBMITTED)


async def poster_names(wishes: Sequence[Wish]) -> dict[str, str]:
    """The names of the people who posted ``wishes``, by openid."""
    return dict(await Person.filter(openid__in=[w.poster_openid for w in wishes])
                .values_list("openid", "name"))


# -- counts -------------------------------------------------------------------------------


@dataclass
class FulfilledCounts:
    total: int = 0
    by_volunteer: list[tuple[str, str, int]] = field(default_factory=list)  # openid, name, n
    by_community: list[tuple[str, int]] = field(default_factory=list)  # community, n


async def fulfilled_counts(since: datetime, until: datetime) -> FulfilledCounts:
    """Wishes confirmed in [since, until), most first; unknown community as "未填"."""
    rows = await Wish.filter(status__in=FULFILLED, confirmed_at__gte=since,
                             confirmed_at__lt=until).values_list("claimant_openid", "community")
    volunteers = Counter(openid for openid, _ in rows if openid)
    communities = Counter(community or "未填" for _, community in rows)
    names = dict(await Volunteer.filter(openid__in=list(volunteers)).values_list("openid", "name"))
    return FulfilledCounts(
        total=len(rows),
        by_volunteer=[(o, names.get(o, ""), n) for o, n in
                      sorted(volunteers.items(), key=lambda item: (-item[1], item[0]))],
        by_community=sorted(communities.items(), key=lambda item: (-item[1], item[0])))


async def fulfilled_by(openid: str) -> int:
    return await Wish.filter(claimant_openid=openid, status__in=FULFILLED).count()


# -- the console (指挥中心) -------------------------------------------------------------------


def seen_by(person: Person) -> QuerySet[Wish]:
    """The wishes ``person`` works with in the console: those ``access.involved`` names them
    for. An admin every wish (as 待审心愿, 通过 and 退回 in chat); anyone else the wishes they
    posted, are for or claimed, and a grid worker those of their own grid."""
    if person.role is Role.ADMIN:
        return Wish.all()
    mine = (Q(poster_openid=person.openid) | Q(beneficiary_openid=person.openid)
            | Q(claimant_openid=person.openid))
    if person.role is Role.GRID_WORKER and person.grid:
        mine |= Q(grid=person.grid)
    return Wish.filter(mine)


async def status_counts(wishes: QuerySet[Wish]) -> dict[WishStatus, int]:
    """How many of ``wishes`` are in each status (counted by the database), every status."""
    rows = await wishes.annotate(n=Count("id")).group_by("status").values_list("status", "n")
    found = {WishStatus(status): n for status, n in rows}
    return {status: found.get(status, 0) for status in WishStatus}


def active_claims(wishes: QuerySet[Wish]) -> QuerySet[Wish]:
    """The claims still running among ``wishes``, the soonest to expire first."""
    return wishes.filter(status=WishStatus.CLAIMED).order_by("claim_expires_at", "id")


async def history(wish: Wish) -> list[WishEvent]:
    """The wish's history (its events), oldest first."""
    return await WishEvent.filter(wish_id=wish.id).order_by("created_at", "id")


async def people(openids: Sequence[str | None]) -> dict[str, Person]:
    """The people behind ``openids`` (those still known), by openid."""
    wanted = sorted({o for o in openids if o})
    return {p.openid: p for p in await Person.filter(openid__in=wanted)} if wanted else {}


async def volunteer_names(openids: Sequence[str | None]) -> dict[str, str]:
    """The volunteer names (志愿者注册) of ``openids``, by openid."""
    wanted = sorted({o for o in openids if o})
    if not wanted:
        return {}
    return dict(await Volunteer.filter(openid__in=wanted).values_list("openid", "name"))


@dataclass(frozen=True)
class VolunteerRow:
    volunteer: Volunteer
    fulfilled: int  # wishes confirmed or closed, all time
    active: int  # claims held now (claimed, or fulfilled awaiting confirmation)


async def _claims_by_volunteer(statuses: tuple[WishStatus, ...]) -> dict[str, int]:
    rows = await Wish.filter(status__in=list(statuses), claimant_openid__isnull=False).annotate(
        n=Count("id")).group_by("claimant_openid").values_list("claimant_openid", "n")
    return dict(rows)


async def volunteer_board() -> list[VolunteerRow]:
    """Every registered volunteer with their fulfilled and active wishes, most fulfilled
    first (then by name)."""
    fulfilled = await _claims_by_volunteer(FULFILLED)
    active = await _claims_by_volunteer(ACTIVE_CLAIMS)
    rows = [VolunteerRow(v, fulfilled.get(v.openid, 0), active.get(v.openid, 0))
            for v in await Volunteer.all().order_by("id")]
    return sorted(rows, key=lambda row: (-row.fulfilled, row.volunteer.name, row.volunteer.id))


async def community_code(wish: Wish) -> str | None:
    """The code of the community the wish belongs to (its grid's, else its named one's), as
    the audit log files its entries; None when unknown."""
    if wish.grid:
        grid = await Grid.filter(code=wish.grid).prefetch_related("community").first()
        if grid is not None:
            return grid.community.code
    if wish.community:
        found = await Community.filter(Q(name=wish.community) | Q(code=wish.community)).first()
        return found.code if found else None
    return None
