"""Follow and unfollow events, QR-code building binding, and the help menu."""

from __future__ import annotations

from handlers import texts
from handlers.context import Context
from handlers.flows import Step, done
from handlers.geo import known
from handlers.geo import texts as geo_texts
from handlers.inbound import Kind
from storage.core.models import Role

SCENE_PREFIX = "qrscene_"


async def menu(ctx: Context) -> str:
    text = texts.MENU_RESIDENT
    if ctx.person.role.is_staff:
        text += texts.MENU_STAFF
    if ctx.person.role is Role.ADMIN:
        text += texts.MENU_ADMIN
    return text


def _scene(event_key: str) -> str | None:
    scene = event_key.removeprefix(SCENE_PREFIX).strip()
    return scene[:64] or None


async def on_subscribe(ctx: Context) -> Step:
    person = ctx.person
    person.subscribed = True
    fields = ["subscribed", "updated_at"]
    building = _scene(ctx.msg.event_key) if ctx.msg.event_key.startswith(SCENE_PREFIX) else None
    unknown = building and not await known.building_known(building)
    if building and not unknown:
        person.building = building
        fields.append("building")
    await person.save(update_fields=fields)
    reply = texts.WELCOME
    if unknown:
        reply += "\n" + geo_texts.UNKNOWN_BUILDING.format(code=building)
    elif building:
        reply += "\n" + texts.WELCOME_BUILDING.format(building=building)
    return done(reply)


async def on_scan(ctx: Context) -> Step | None:
    building = _scene(ctx.msg.event_key)
    if not building:
        return None
    if not await known.building_known(building):  # the person's building stays as it was
        return done(geo_texts.UNKNOWN_BUILDING.format(code=building))
    ctx.person.building = building
    await ctx.person.save(update_fields=["building", "updated_at"])
    return done(texts.WELCOME_BUILDING.format(building=building))


async def on_unsubscribe(ctx: Context) -> Step | None:
    ctx.person.subscribed = False
    await ctx.person.save(update_fields=["subscribed", "updated_at"])
    ctx.state.conversation, ctx.state.step, ctx.state.data, ctx.state.id = None, None, {}, None
    return None


EVENTS = {
    Kind.SUBSCRIBE: on_subscribe,
    Kind.SCAN: on_scan,
    Kind.UNSUBSCRIBE: on_unsubscribe,
}
