"""The 随手拍 draft kept in the conversation data: its slots, what to ask next, its card.

Slots: ``photos`` (1-3 MediaIds), ``lat``/``lng``/``address``/``building`` (a WeChat location
or the resident's building), ``desc`` (None until given; "" when skipped), ``category``.
``cands`` holds the category codes the last menu numbered, ``at`` the time of the last
message (the 30-minute continue window, on the controllable clock).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.categories import suggest
from handlers.categories.queries import active_by_name, active_categories, get_category
from handlers.categories.taxonomy import FALLBACK
from handlers.context import Context
from handlers.flows import Step, goto
from handlers.geo import places
from handlers.normalize import parse_int
from handlers.reports import texts
from handlers.reports.service import intake
from storage import clock
from storage.geo.models import Building, Category

WINDOW = timedelta(minutes=30)


def touch(ctx: Context) -> None:
    ctx.data["at"] = clock.now().isoformat()


def stale(ctx: Context) -> bool:
    at = ctx.data.get("at")
    return at is not None and clock.now() - datetime.fromisoformat(at) > WINDOW


def missing(data: dict) -> str:
    """The first slot still empty, or "confirm" when the draft is complete."""
    if not data.get("photos"):
        return "photo"
    if data.get("lat") is None:
        return "location"
    if data.get("desc") is None:
        return "desc"
    if not data.get("category"):
        return "category"
    return "confirm"


async def ask(ctx: Context, prefix: str = "") -> Step:
    """Ask for the first missing slot (or show the card), after ``prefix``."""
    touch(ctx)
    step = missing(ctx.data)
    if step == "category":
        body = await category_menu(ctx, full=not ctx.data.get("desc"))
    elif step == "confirm":
        body = texts.ASK_CONFIRM.format(card=await card(ctx.data))
    elif step == "location":
        body = texts.ASK_LOCATION.format(here=await _here_hint(ctx))
    else:
        body = {"photo": texts.ASK_PHOTO, "desc": texts.ASK_DESC}[step]
    return goto(step, prefix + body)


async def _here_hint(ctx: Context) -> str:
    building = await _building(ctx)
    return texts.HERE_HINT.format(building=building.name) if building else ""


async def _building(ctx: Context) -> Building | None:
    return await intake.building_of(ctx.person)


async def use_building(ctx: Context) -> str | None:
    """Fill the location with the resident's building; its name, or None if there is none."""
    building = await _building(ctx)
    if building is None:
        return None
    ctx.data.update(lat=building.lat, lng=building.lng, address=building.name,
                    building=building.code)
    return building.name


def use_location(ctx: Context) -> str:
    """Fill the location from a WeChat location message; the address stored."""
    msg = ctx.msg
    address = (msg.label or intake.point_label(msg.lat, msg.lng))[:255]
    ctx.data.update(lat=msg.lat, lng=msg.lng, address=address, building=None)
    return address


async def take_location(ctx: Context) -> str:
    """``use_location``, answered as people read it: WeChat's label, or the place name from
    linli's geography when the message carries only coordinates."""
    use_location(ctx)
    return await shown_address(ctx.data)


async def shown_address(data: dict) -> str:
    """The draft's place as people read it: the address, or the place name for coordinates."""
    address = data.get("address") or ""
    if address and not places.is_point_label(address):
        return address
    return await places.place_name(data.get("lat"), data.get("lng"),
                                   data.get("building")) or address


async def category_menu(ctx: Context, *, full: bool) -> str:
    """Number the suggested categories (plus 其他), or all of them; remember the numbering."""
    if full:
        chosen = await active_categories()
    else:
        chosen = [s.category for s in await suggest.suggest(ctx.data.get("desc") or "")]
        fallback = await get_category(FALLBACK)
        if fallback is not None and fallback.active and fallback not in chosen:
            chosen.append(fallback)
    ctx.data["cands"] = [c.code for c in chosen]
    menu = "\n".join(f"{i}. {c.name}" for i, c in enumerate(chosen, 1))
    return texts.ASK_CATEGORY.format(menu=menu) + ("" if full else texts.CATEGORY_MORE)


async def pick_category(ctx: Context) -> Category | None:
    """The category a reply names, by its number in the last menu or by its name."""
    cands = ctx.data.get("cands") or []
    number = parse_int(ctx.text)
    if number is not None:
        code = cands[number - 1] if 1 <= number <= len(cands) else None
        category = await get_category(code) if code else None
        return category if category is not None and category.active else None
    return await active_by_name(ctx.text.strip())


async def card(data: dict) -> str:
    category = await get_category(data.get("category") or "")
    return texts.CARD.format(photos=len(data.get("photos") or []),
                             address=await shown_address(data), desc=data.get("desc") or
                             texts.NO_DESC, category=category.name if category else "")
