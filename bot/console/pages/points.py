"""积分 ``/console/points``: the reward catalogue, redemptions, the 核销 counter, a person's points.

Who: the service station (admins and grid workers, as 核销 in chat); anyone else gets 404.
Admins also add, restock and disable rewards, look up a person's points (audited as
``view_private``) and see the ledger's verification (``linli ledger verify``).

Catalogue changes call the ledger's own functions (``rewards.catalogue``). Each form carries a
one-time field: claimed in Redis (a double click runs once), and the ledger write is keyed by
it too - a restock's idempotency key is ``console:restock:<once>``, an added reward is found
again by its audit entry - so a replayed form changes nothing even after the Redis key is gone.

The counter (``/console/points/counter``): the clerk types or scans the 6-digit code, sees
who (masked) and what, and presses 核销: ``handlers.points.service.hand_out``, the chat's
``核销 123456``, with the chat's answers and its cap on wrong codes (the look-up counts too).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from aiohttp import web
from tortoise.transactions import in_transaction

from bot import keys
from bot.console import session
from bot.console import texts as t
from bot.console.forms import back, claim_form, posted_form, release_form
from bot.console.render import STATION, not_found, page
from handlers import audit
from handlers.errors import Refusal
from handlers.points import service, station
from rewards import catalogue
from rewards.errors import RewardsError
from rewards.texts import REDEMPTION_STATUS, error_text
from rewards.verify import verify
from storage import clock

HOME = "/console/points"
COUNTER = "/console/points/counter"
MAX_WHOLE = 10**9


class Invalid(Exception):
    """A form field that cannot be used: the message says which (Chinese)."""


def _station(viewer: session.Viewer) -> bool:
    return viewer.person.role in STATION


def _refusal_text(exc: Exception) -> str:
    if isinstance(exc, RewardsError):
        return error_text(exc)
    return str(exc)


# -- the page -----------------------------------------------------------------------------------


async def points_page(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    if not _station(viewer):
        return not_found(request, viewer)
    status = request.query.get("status", "")
    status = status if status in station.STATUSES else ""
    admin = viewer.scope.is_admin
    return page(request, viewer, "points.html", admin=admin,
                rewards=await catalogue.list_rewards(include_unavailable=True),
                redemptions=await station.redemptions(status), shown=status,
                counts=await station.status_counts(), statuses=station.STATUSES,
                status_names=REDEMPTION_STATUS,
                report=await verify() if admin else None)


# -- the catalogue (admins) ---------------------------------------------------------------------


def _whole(raw: str | None, error: str, *, minimum: int = 1, optional: bool = False
           ) -> int | None:
    raw = (raw or "").strip()
    if not raw and optional:
        return None
    if not raw.isascii() or not raw.isdigit() or not minimum <= int(raw) <= MAX_WHOLE:
        raise Invalid(error)
    return int(raw)


def _day(raw: str | None, *, end: bool = False) -> datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise Invalid(t.REWARD_BAD_DATES) from None
    moment = datetime.combine(day, time(0), tzinfo=clock.SHANGHAI)
    return moment + timedelta(days=1) if end else moment  # "until" a day: through its end


def parse_reward(form: dict[str, str]) -> dict:
    """The add form as ``catalogue.add_reward``'s arguments; Invalid (Chinese) if unusable."""
    name = form.get("name", "").strip()
    if not 0 < len(name) <= 64:
        raise Invalid(t.REWARD_BAD_NAME)
    start, end = _day(form.get("from")), _day(form.get("until"), end=True)
    if start is not None and end is not None and end <= start:
        raise Invalid(t.REWARD_BAD_DATES)
    return {"name": name, "cost": _whole(form.get("cost"), t.REWARD_BAD_COST),
            "stock": _whole(form.get("stock") or "0", t.REWARD_BAD_STOCK, minimum=0),
            "per_person_limit": _whole(form.get("limit"), t.REWARD_BAD_LIMIT, optional=True),
            "available_from": start, "available_until": end,
            "pickup_place": form.get("place", "").strip()[:64] or None}


async def reward_add(request: web.Request) -> web.StreamResponse:
    viewer, form = await posted_form(request)
    if not viewer.scope.is_admin:
        return not_found(request, viewer)
    try:
        values = parse_reward(form)
    except Invalid as bad:
        raise back(HOME, err=str(bad)) from None
    once = await claim_form(request, viewer, form, HOME)
    try:
        async with in_transaction():
            earlier = await station.reward_added_by(once)
            if earlier is not None:
                raise back(HOME, msg=t.REWARD_ALREADY_ADDED.format(id=earlier))
            view = await catalogue.add_reward(**values)
            await audit.record(viewer.openid, station.REWARD_ADDED, target=f"reward:{view.id}",
                               detail=f"{station.form_mark(once)} {view.name} "
                                      f"cost={view.cost} stock={view.stock}",
                               ip=session.client_ip(request))
    except (RewardsError, ValueError) as refused:
        await release_form(request, viewer, once)
        raise back(HOME, err=_refusal_text(refused)) from None
    raise back(HOME, msg=t.REWARD_ADDED.format(id=view.id, name=view.name, cost=view.cost,
                                                stock=view.stock))


def _reward_id(request: web.Request) -> int | None:
    raw = request.match_info["id"]
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**31 else None


async def reward_restock(request: web.Request) -> web.StreamResponse:
    viewer, form = await posted_form(request)
    reward_id = _reward_id(request)
    if not viewer.scope.is_admin or reward_id is None:
        return not_found(request, viewer)
    try:
        quantity = _whole(form.get("quantity"), t.REWARD_BAD_QUANTITY)
    except Invalid as bad:
        raise back(HOME, err=str(bad)) from None
    reason = form.get("reason", "").strip()[:100]
    once = await claim_form(request, viewer, form, HOME)
    try:
        async with in_transaction():
            moved = await catalogue.restock(reward_id, quantity, f"console:restock:{once}",
                                            reason)
            if not moved.replayed:
                await audit.record(viewer.openid, "reward_restock", target=f"reward:{reward_id}",
                                   detail=f"+{quantity} {reason}".strip(),
                                   ip=session.client_ip(request))
        view = await catalogue.get_reward(reward_id)
    except (RewardsError, ValueError) as refused:
        await release_form(request, viewer, once)
        raise back(HOME, err=_refusal_text(refused)) from None
    done = t.RESTOCK_REPLAYED if moved.replayed else t.RESTOCKED
    raise back(HOME, msg=done.format(id=reward_id, quantity=quantity, stock=view.stock))


async def reward_toggle(request: web.Request) -> web.StreamResponse:
    viewer, form = await posted_form(request)
    reward_id = _reward_id(request)
    if not viewer.scope.is_admin or reward_id is None:
        return not_found(request, viewer)
    enabled = form.get("enabled") == "1"
    once = await claim_form(request, viewer, form, HOME)
    try:
        async with in_transaction():
            await catalogue.set_enabled(reward_id, enabled)
            await audit.record(viewer.openid, "reward_enable" if enabled else "reward_disable",
                               target=f"reward:{reward_id}", ip=session.client_ip(request))
    except RewardsError as refused:
        await release_form(request, viewer, once)
        raise back(HOME, err=_refusal_text(refused)) from None
    raise back(HOME, msg=(t.REWARD_ENABLED if enabled else t.REWARD_DISABLED).format(
        id=reward_id))


# -- the 核销 counter ---------------------------------------------------------------------------


async def counter_page(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    if not _station(viewer):
        return not_found(request, viewer)
    return page(request, viewer, "counter.html", found=None, code="", error="")


async def counter_post(request: web.Request) -> web.StreamResponse:
    viewer, form = await posted_form(request)
    if not _station(viewer):
        return not_found(request, viewer)
    if form.get("action") == "hand":
        return await _hand_out(request, viewer, form)
    kv = request.config_dict[keys.KV_STORE]
    code = form.get("code", "")[:32]
    try:
        found = await station.look_up(code, viewer.person, kv)
    except (Refusal, RewardsError) as refused:
        return page(request, viewer, "counter.html", found=None, code=code,
                    error=_refusal_text(refused))
    return page(request, viewer, "counter.html", found=found, code=found.code, error="")


async def _hand_out(request: web.Request, viewer: session.Viewer,
                    form: dict[str, str]) -> web.StreamResponse:
    once = await claim_form(request, viewer, form, COUNTER)
    kv = request.config_dict[keys.KV_STORE]
    try:
        async with in_transaction():
            out = await service.hand_out(form.get("code", "")[:32], viewer.person, kv)
            r = out.redemption
            await audit.record(viewer.openid, "pickup", target=f"redemption:{r.id}",
                               detail=f"{r.reward_name} cost={r.cost}",
                               ip=session.client_ip(request))
    except (Refusal, RewardsError) as refused:
        await release_form(request, viewer, once)
        raise back(COUNTER, err=_refusal_text(refused)) from None
    raise back(COUNTER, msg=t.HANDED_OUT.format(name=r.reward_name, cost=r.cost, code=r.code,
                                                 who=await station.masked_name(r.openid)))


# -- a person's points (admins) -----------------------------------------------------------------


async def person_page(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    if not viewer.scope.is_admin:
        return not_found(request, viewer)
    openid = request.query.get("openid", "").strip()[:64]
    try:
        found = await station.person_points(openid)
    except Refusal as refused:
        return page(request, viewer, "points_person.html", status=404, found=None,
                    openid=openid, error=str(refused), status_names=REDEMPTION_STATUS)
    await audit.record(viewer.openid, "view_private", target=openid,
                       detail="points: balance, entries, redemptions",
                       ip=session.client_ip(request))
    return page(request, viewer, "points_person.html", found=found, openid=openid, error="",
                status_names=REDEMPTION_STATUS)
