"""随手拍 in chat: the resident's report, a conversation that fills slots in any order.

Entered by a photo, a location alone (then the photo is asked for), ``随手拍`` (optionally
with the description) or the menu. Every step runs ``fill``: a photo, a location, ``本楼`` or
a correction (改照片/改位置/改描述/改分类) is taken whatever was asked; a text is read as
what the step asks for (a free text is the description while there is none). The step is
always the first missing slot, then the card and ``确认``; before a new case, a nearby open
case of the same category is offered
("是不是这个？", its public card), and ``是`` adds the resident as a supporter instead - of
that case only, while it is open and within its radius of the draft's place
(``service.support``). The slots and the prompts live in ``draft``; creating the case is
``service.cases.submit_case``.

Each message of the flow runs in one ``readonce.scope``: the reference facts' version
(``storage.facts``: categories, geography, staff, all kept in process) is read once per
message, whatever the step looks up; a message that cannot submit (a photo, the place, the
description, the category) takes the version the process read less than a second ago
(``facts.settled``), the 确认 reads it afresh.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from handlers import photos
from handlers.context import Context
from handlers.flows import Flow, Step, done, goto
from handlers.geo import known
from handlers.inbound import Kind
from handlers.reports import draft, queries, render, texts
from handlers.reports.service import cases, support
from storage import facts, readonce
from storage.reports.models import OPEN_STATUSES, SUPPORT_OFFERED, Case

PROMPTS = {"photo": texts.ASK_PHOTO, "location": texts.PROMPT_LOCATION,
           "desc": texts.ASK_DESC, "category": texts.PROMPT_CATEGORY,
           "confirm": texts.CONFIRM_PROMPT, "dup": texts.DUP_PROMPT}
CLEARS = {"改照片": ("photos",), "改位置": ("lat", "lng", "address", "building"),
          "改描述": ("desc",), "改分类": ("category",)}


async def start(ctx: Context) -> Step:
    ctx.data["photos"] = []
    prefix = ""
    if 2 <= len(ctx.arg) <= 300:  # 随手拍 路灯不亮了
        ctx.data["desc"] = ctx.as_typed(ctx.arg)
    elif len(ctx.arg) > 300:  # said, as the description step does, not dropped unseen
        prefix = texts.DESC_TOO_LONG.format(length=len(ctx.arg))
    if ctx.msg.kind is Kind.TEXT or ctx.msg.kind.value.startswith("event:"):
        return await draft.ask(ctx, prefix)
    step = await fill(ctx)  # a photo or a place starts a report: say so, and how to leave
    if step and step.next is None:
        return step  # a place beyond the street: refused, no report started
    return Step(f"{texts.STARTED}{step.reply}" if step else None, step.next if step else None)


async def fill(ctx: Context) -> Step | None:
    step = ctx.state.step or "photo"
    if draft.stale(ctx):
        ctx.state.data = {}
        if ctx.msg.kind in (Kind.IMAGE, Kind.LOCATION):
            return await start(ctx)
        return done(texts.EXPIRED)
    msg = ctx.msg
    if msg.kind is Kind.IMAGE and msg.media_id:
        return await _photo(ctx, msg.media_id)
    if msg.kind is Kind.LOCATION and msg.lat is not None and msg.lng is not None:
        if refusal := await cases.outside(msg.lat, msg.lng):
            return _outside(ctx, step, refusal)
        return await draft.ask(ctx, texts.GOT_LOCATION.format(address=await draft.take_location(ctx)))
    if msg.kind is not Kind.TEXT:
        return goto(step, texts.NOT_USABLE.format(prompt=PROMPTS[step]))
    return await _text(ctx, step, ctx.text.strip())


def _outside(ctx: Context, step: str, refusal: str) -> Step:
    """A place beyond the street: not kept; the draft goes on if it holds anything else."""
    if not (ctx.data.get("photos") or ctx.data.get("desc") or ctx.data.get("category")):
        return done(refusal)
    return goto(step, f"{refusal}\n{PROMPTS[step]}")


async def _text(ctx: Context, step: str, text: str) -> Step | None:
    """A text, whatever the step: a correction, 本楼, 随手拍 again, or what the step asks."""
    if text in CLEARS:
        for name in CLEARS[text]:
            ctx.data.pop(name, None)
        return await draft.ask(ctx)
    if text in texts.HERE_WORDS:
        name = await draft.use_building(ctx)
        if name is None:
            return goto(step, texts.NO_BUILDING)
        return await draft.ask(ctx, texts.GOT_LOCATION.format(address=name))
    if text == "随手拍":
        return await draft.ask(ctx)
    return await TEXT_STEPS[step](ctx, text)


async def _photo(ctx: Context, media_id: str) -> Step:
    shots = ctx.data.setdefault("photos", [])
    if media_id in shots:
        return await draft.ask(ctx)
    if len(shots) >= texts.MAX_PHOTOS:
        return await draft.ask(ctx, texts.PHOTO_FULL)
    shots.append(media_id)
    return await draft.ask(ctx, texts.GOT_PHOTO.format(count=len(shots)))


async def _free_text(ctx: Context, text: str) -> Step | None:
    """A text where a photo or a location is expected: the description, if there is none
    and the text is not a command (放弃 W12 after a stray photo is 放弃, not a description)."""
    if ctx.data.get("desc") is not None or ctx.is_command(text):
        return None  # the engine tries other commands, then repeats the prompt
    return await _desc(ctx, text)


async def _photo_text(ctx: Context, text: str) -> Step | None:
    if text in texts.SKIP_WORDS:
        return goto("photo", texts.NEED_PHOTO + texts.ASK_PHOTO)
    return await _free_text(ctx, text)


async def _desc(ctx: Context, text: str) -> Step:
    if text in texts.SKIP_WORDS:
        ctx.data["desc"] = ""
        return await draft.ask(ctx)
    if not 2 <= len(text) <= 300:
        return goto("desc", texts.DESC_BAD + texts.ASK_DESC)
    ctx.data["desc"] = ctx.as_typed(text)  # stored as typed, full-width punctuation and all
    return await draft.ask(ctx, texts.GOT_DESC)


async def _category(ctx: Context, text: str) -> Step:
    if text in texts.ALL_WORDS:
        return goto("category", await draft.category_menu(ctx, full=True))
    category = await draft.pick_category(ctx)
    if category is None:
        return goto("category", texts.CATEGORY_BAD + await draft.category_menu(
            ctx, full=not ctx.data.get("desc")))
    ctx.data["category"] = category.code
    return await draft.ask(ctx)


async def _confirm(ctx: Context, text: str) -> Step | None:
    if text not in texts.YES_WORDS:
        return None
    return await _check_and_submit(ctx)


async def _check_and_submit(ctx: Context) -> Step:
    d = ctx.data
    found = await cases.find_duplicates(d["category"], d["lat"], d["lng"], limit=1)
    if found:
        d["dup"] = found[0].number
        return goto("dup", texts.ASK_DUP.format(
            card=render.public_card(found[0], await render.place_of(found[0]))))
    return await _submit(ctx)


async def _dup(ctx: Context, text: str) -> Step | None:
    if text in texts.DUP_NO:
        return await _submit(ctx)
    if text not in texts.DUP_YES:
        return None
    case = await Case.get_or_none(number=ctx.data.get("dup", ""))
    if case is None or case.status not in OPEN_STATUSES or not await support.within_radius(
            case, ctx.data.get("lat"), ctx.data.get("lng")):
        return await _submit(ctx)  # closed meanwhile: this is a new report after all
    if case.reporter_openid == ctx.person.openid:
        return done(texts.OWN_CASE.format(number=case.number))
    async with ctx.effect() as record:
        added = await support.add_supporter(case, ctx.person.openid, via=SUPPORT_OFFERED)
        for media_id in ctx.data.get("photos") or []:
            await photos.attach(media_id, "report", case.number, ctx.person.openid)
        reply = texts.SUPPORTED if added else texts.ALREADY_SUPPORTED
        record.reply = reply.format(number=case.number)
    return done(record.reply)


async def _submit(ctx: Context) -> Step:
    d = ctx.data
    try:
        return await _create(ctx, d)
    except known.OutsideArea as exc:  # the place is beyond the street: ask for another
        for name in CLEARS["改位置"]:
            d.pop(name, None)
        return await draft.ask(ctx, f"{exc.reply}\n")


async def _create(ctx: Context, d: dict) -> Step:
    async with ctx.effect() as record:
        case = await cases.submit_case(
            reporter_openid=ctx.person.openid, category_code=d["category"],
            description=d.get("desc") or "", lat=d["lat"], lng=d["lng"],
            address=d.get("address") or "", building_code=d.get("building"),
            media_ids=list(d["photos"]))
        record.leaves = True  # their case: the privacy notice's "left something behind"
        record.reply = texts.SUBMITTED_TO.format(number=case.number,
                                                 holder=await queries.who_has(case))
    return done(record.reply)


def expired(data: Mapping[str, Any], minutes: int) -> str:
    """Told to a late answer after the draft timed out: what it said, how to start again."""
    desc = data.get("desc")
    said = texts.DRAFT_EXPIRED_DESC.format(desc=desc) if desc else ""
    return texts.DRAFT_EXPIRED.format(minutes=minutes, desc=said)


TEXT_STEPS: dict[str, Callable[[Context, str], Awaitable[Step | None]]] = {
    "photo": _photo_text, "location": _free_text, "desc": _desc, "category": _category,
    "confirm": _confirm, "dup": _dup}

EFFECTS = frozenset({"confirm", "dup"})  # the steps that may submit the draft


def _read_once(step: Callable[[Context], Awaitable[Step | None]]
               ) -> Callable[[Context], Awaitable[Step | None]]:
    """``step`` inside a ``readonce.scope``: one version read per message; none at all for a
    step that cannot submit when the process read it less than a second ago
    (``facts.settled``: what it shows may be that old; a submission reads it afresh)."""
    async def run(ctx: Context) -> Step | None:
        if ctx.state.step in EFFECTS:
            with readonce.scope():
                return await step(ctx)
        with readonce.scope(), facts.settled():
            return await step(ctx)
    return run


FLOWS = [Flow("report", _read_once(start), steps={name: _read_once(fill) for name in TEXT_STEPS},
              keywords=("随手拍",), clicks=("REPORT",), kinds=(Kind.IMAGE, Kind.LOCATION),
              arg="optional", prompts=PROMPTS, expired=expired, effects=EFFECTS)]
