"""Helpers shared by the 随手拍 resident-side tests (no tests here).

The demo street (handlers/geo/demo.py) gives the grids and the categories: the point
43.8860 N, 125.3180 E lies in grid G01; building B12-1 is a real demo building.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot import callbacks
from handlers import photos
from handlers.geo.demo import load_geo_demo
from handlers.reports.lifecycle import transition
from storage import clock
from storage.core.models import Person, Role
from storage.reports.models import Case
from tests.support.wishes import app_bot, jpeg, pushed, services  # noqa: F401

LAT, LNG = 43.8860, 125.3180
LABEL = "长春市朝阳区 明珠小区东门"


async def report_bot(make_bot, tmp_path):
    await load_geo_demo()
    await Person.create(openid="o-grid", role=Role.GRID_WORKER, name="王梦苏", grid="G01")
    await Person.create(openid="o-admin", role=Role.ADMIN, name="张丽")
    return await app_bot(make_bot, tmp_path)


async def photo(bot, openid: str, color: str = "red", msg_id: int | None = None) -> str | None:
    media = bot.sandbox.add_media(jpeg(color), "image/jpeg")
    return await bot.send(callbacks.image(openid, media, msg_id=msg_id), openid)


async def place(bot, openid: str, lat: float = LAT, lng: float = LNG, label: str = LABEL,
                msg_id: int | None = None) -> str | None:
    return await bot.send(callbacks.location(openid, lat, lng, label, msg_id=msg_id), openid)


async def report(bot, openid: str, desc: str = "路灯不亮了晚上很黑", color: str = "red",
                 lat: float = LAT, lng: float = LNG, answer: str | None = None) -> str | None:
    """A whole report: photo → location → text → the first suggestion → 确认 (→ answer)."""
    await photo(bot, openid, color)
    await place(bot, openid, lat, lng)
    await bot.say(openid, desc)
    await bot.say(openid, "1")
    reply = await bot.say(openid, "确认")
    if answer is not None:
        reply = await bot.say(openid, answer)
    return reply


def number_in(reply: str | None) -> str:
    match = re.search(r"A\d{4,}", reply or "")
    assert match, reply
    return match.group(0)


async def fetch_photos(bot) -> None:
    """The photo sweep: download (and flag reuse of) everything received so far."""
    await photos.fetch_due(services(bot).photos, limit=100)


async def resolve(bot, number: str, by: str = "o-grid") -> Case:
    """The staff side, straight through the state machine: accept and resolve (after the
    photo sweep has run, as it would have within seconds)."""
    await fetch_photos(bot)
    case = await Case.get(number=number)
    await transition(case, "accept", by, fields={"accepted_at": clock.now()})
    now = clock.now()
    await transition(case, "resolve", by, fields={"resolved_at": now,
                                                  "confirm_due_at": now + timedelta(hours=72)})
    return await Case.get(number=number)
