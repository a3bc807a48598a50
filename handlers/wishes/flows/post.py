"""许愿 in chat: posting a wish, for oneself or (grid workers, admins) on behalf of someone.

who (staff only) -> title -> details -> kind -> photo (optional) -> date -> address -> phone
-> confirm. Each step checks its input and stays put on anything it cannot use. On the card,
改标题/改详情/改类别/改照片/改时间/改地址/改电话 asks one step again and comes back to the card.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import Flow, Step, StepFn, goto
from handlers.geo import grids
from handlers.inbound import Kind
from handlers.normalize import parse_int
from handlers.wishes import render, texts
from handlers.wishes.flows.steps import act, skipped, text_only
from handlers.wishes.parse import BadDate, community_of, needed_by, phone
from handlers.wishes.service import posting
from storage import clock

PROMPTS = {"who": texts.ASK_WHO, "title": texts.ASK_TITLE, "details": texts.ASK_DETAILS,
           "kind": texts.ASK_KIND, "photo": texts.ASK_PHOTO, "date": texts.ASK_DATE,
           "address": texts.ASK_ADDRESS, "phone": texts.ASK_PHONE,
           "confirm": texts.CONFIRM_PROMPT}
DATE_REFUSALS = {"past": texts.DATE_PAST, "far": texts.DATE_FAR}
# On the card: 改… asks that step again, then the card comes back with the rest kept.
CORRECTIONS = {"改标题": "title", "改详情": "details", "改类别": "kind", "改照片": "photo",
               "改时间": "date", "改地址": "address", "改电话": "phone"}


def _ask_title(ctx: Context) -> Step:
    hint = ctx.data.pop("hint", "")
    if 2 <= len(hint) <= 30:  # 许愿 想要一根拐杖
        ctx.data["title"] = hint
        return goto("details", texts.ASK_DETAILS)
    return goto("title", texts.ASK_TITLE)


async def start(ctx: Context) -> Step:
    ctx.data["hint"] = ctx.as_typed(ctx.arg)  # stored as typed (full-width and all)
    if ctx.person.role in posting.POSTING_FOR_OTHERS:
        return goto("who", texts.ASK_WHO)
    return _ask_title(ctx)


async def who(ctx: Context) -> Step:
    if refusal := text_only(ctx, "who", texts.ASK_WHO):
        return refusal
    if ctx.text not in ("本人", "自己", "我"):
        if not 1 <= len(ctx.text) <= 20:
            return goto("who", texts.NAME_BAD)
        ctx.data["beneficiary"] = ctx.text
    return _ask_title(ctx)


async def title(ctx: Context) -> Step:
    if refusal := text_only(ctx, "title", texts.ASK_TITLE):
        return refusal
    if not 2 <= len(ctx.text) <= 30:
        return goto("title", texts.TITLE_BAD)
    ctx.data["title"] = ctx.as_typed(ctx.text)
    return goto("details", texts.ASK_DETAILS)


async def details(ctx: Context) -> Step:
    if refusal := text_only(ctx, "details", texts.ASK_DETAILS):
        return refusal
    if len(ctx.text) > 300:
        return goto("details", texts.DETAILS_BAD)
    ctx.data["details"] = "" if skipped(ctx.text) else ctx.as_typed(ctx.text)
    return goto("kind", texts.ASK_KIND)


async def kind(ctx: Context) -> Step:
    if refusal := text_only(ctx, "kind", texts.ASK_KIND):
        return refusal
    names = {name: k for k, name in texts.KIND_NAMES.items()}
    choice = parse_int(ctx.text)
    if choice is not None and 1 <= choice <= len(texts.KINDS):
        ctx.data["kind"] = texts.KINDS[choice - 1].value
    elif ctx.text in names:
        ctx.data["kind"] = names[ctx.text].value
    else:
        return goto("kind", texts.KIND_BAD)
    return goto("photo", texts.ASK_PHOTO)


async def photo(ctx: Context) -> Step | None:
    if ctx.msg.kind is Kind.IMAGE and ctx.msg.media_id:
        ctx.data["media_id"] = ctx.msg.media_id
    elif not (ctx.msg.kind is Kind.TEXT and skipped(ctx.text)):
        return None  # the engine tries other commands, then repeats ASK_PHOTO
    return goto("date", texts.ASK_DATE)


async def due_date(ctx: Context) -> Step:
    if refusal := text_only(ctx, "date", texts.ASK_DATE):
        return refusal
    try:
        due = needed_by(ctx.text, clock.local().date())
    except BadDate as exc:
        return goto("date", DATE_REFUSALS.get(exc.reason, texts.DATE_BAD))
    ctx.data["needed_by"] = due.isoformat() if due else None
    return goto("address", texts.ASK_ADDRESS)


async def address(ctx: Context) -> Step:
    msg = ctx.msg
    if msg.kind is Kind.LOCATION and msg.lat is not None:
        ctx.data.update(lat=msg.lat, lng=msg.lng,
                        address=(msg.label or f"{msg.lat:.5f},{msg.lng:.5f}")[:100])
    else:
        if refusal := text_only(ctx, "address", texts.ASK_ADDRESS):
            return refusal
        if not 4 <= len(ctx.text) <= 100:
            return goto("address", texts.ADDRESS_BAD)
        ctx.data["address"] = ctx.text
        ctx.data.pop("lat", None), ctx.data.pop("lng", None)
    ctx.data["community"] = await _community(ctx)
    return goto("phone", texts.ASK_PHONE)


async def _community(ctx: Context) -> str | None:
    """Named in the address, else where the location or the person's building lies, else in
    a staff member's organisation."""
    named = community_of(ctx.data["address"], None)
    if named:
        return named
    place = None
    if ctx.data.get("lat") is not None:
        place = await grids.locate(ctx.data["lat"], ctx.data["lng"])
    elif ctx.person.building:
        place = await grids.locate_building(ctx.person.building)
    if place is not None and place.community_name:
        return place.community_name
    return community_of("", ctx.person.org)


async def phone_step(ctx: Context) -> Step:
    if refusal := text_only(ctx, "phone", texts.ASK_PHONE):
        return refusal
    number = "" if skipped(ctx.text) else phone(ctx.text)
    if number is None:
        return goto("phone", texts.PHONE_BAD)
    ctx.data["phone"] = number
    return _card(ctx)


def _card(ctx: Context) -> Step:
    ctx.data.pop("fixing", None)
    name = ctx.data.get("beneficiary") or ctx.person.name or "本人"
    return goto("confirm", texts.ASK_CONFIRM.format(card=render.draft_card(ctx.data, name)))


def _fixable(name: str, step: StepFn) -> StepFn:
    """``step``, which returns to the card when it was asked again by a correction."""
    async def run(ctx: Context) -> Step | None:
        result = await step(ctx)
        if result is None or not ctx.data.get("fixing") or result.next == name:
            return result
        return _card(ctx)
    return run


async def confirm(ctx: Context) -> Step | None:
    if refusal := text_only(ctx, "confirm", PROMPTS["confirm"]):
        return refusal
    if ctx.text in CORRECTIONS:
        ctx.data["fixing"] = True
        step = CORRECTIONS[ctx.text]
        return goto(step, PROMPTS[step])
    if ctx.text not in texts.YES_WORDS:
        return None

    async def work() -> str:
        wish = await posting.submit(ctx.data, ctx.person)
        return texts.SUBMITTED.format(number=wish.number)

    return await act(ctx, work)


FLOWS = [Flow(
    "wish_post", start, keywords=("许愿", "发布心愿"), clicks=("WISH_POST",), arg="optional",
    steps={"who": who, **{name: _fixable(name, fn) for name, fn in [
        ("title", title), ("details", details), ("kind", kind), ("photo", photo),
        ("date", due_date), ("address", address), ("phone", phone_step)]},
        "confirm": confirm},
    prompts=PROMPTS, expired=render.expired)]
