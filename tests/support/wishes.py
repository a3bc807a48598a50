"""Helpers shared by the wish tests (no tests here)."""

from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image

from bot import keys
from storage import clock
from storage.core.models import OutboxMessage, Person, Role, Volunteer, Wish, WishKind, WishStatus


async def app_bot(make_bot, tmp_path):
    """The whole app, storing photos under a temporary media directory."""
    return await make_bot(media_dir=tmp_path / "media")


def services(bot):
    return bot.client.app[keys.SERVICES]


def jpeg(color: str = "red", size: tuple[int, int] = (64, 48), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


async def person(openid: str, role: Role = Role.RESIDENT, name: str = "", grid: str | None = None
                 ) -> Person:
    return await Person.create(openid=openid, role=role, name=name or openid, grid=grid)


async def staff() -> None:
    """An admin, the grid worker of G01 and the one of G02."""
    await person("o-admin", Role.ADMIN, "张丽")
    await person("o-grid", Role.GRID_WORKER, "王梦苏", grid="G01")
    await person("o-grid2", Role.GRID_WORKER, "李建国", grid="G02")


async def volunteer(openid: str, name: str = "", community: str = "繁荣社区",
                    lat: float | None = None, lng: float | None = None) -> Volunteer:
    if not await Person.exists(openid=openid):
        await person(openid, Role.VOLUNTEER, name)
    now = clock.now()
    return await Volunteer.create(openid=openid, name=name or openid, community=community,
                                  lat=lat, lng=lng, created_at=now, updated_at=now)


async def wish(status: WishStatus = WishStatus.OPEN, poster: str = "o-grid",
               title: str = "想要一根拐杖", community: str | None = "繁荣社区",
               grid: str | None = "G01", beneficiary_openid: str | None = None,
               lat: float | None = None, lng: float | None = None,
               needed_by: date | None = None) -> Wish:
    """A wish made directly in the database (for tests about what happens after posting)."""
    return await Wish.create(
        status=status, kind=WishKind.GOODS, title=title, details="腿脚不便",
        poster_openid=poster, on_behalf=beneficiary_openid is None,
        beneficiary_name="周桂兰", beneficiary_openid=beneficiary_openid,
        phone="13912345678", address="繁荣社区 3号楼2单元501", community=community, grid=grid,
        lat=lat, lng=lng, needed_by=needed_by or (clock.now() + timedelta(days=7)).date(),
        created_at=clock.now())


async def pushed(openid: str) -> list[str]:
    """Texts written to the outbox for ``openid``, oldest first."""
    rows = await OutboxMessage.filter(openid=openid).order_by("id")
    return [row.payload["text"] for row in rows]


async def talk(bot, openid: str, *lines: str) -> list[str | None]:
    return [await bot.say(openid, line) for line in lines]


def number_in(reply: str | None) -> str:
    """The wish number (W12) a reply mentions."""
    import re

    match = re.search(r"W\d+", reply or "")
    assert match, reply
    return match.group(0)
