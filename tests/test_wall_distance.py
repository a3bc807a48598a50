"""The wall's distances in the API (issue 14): filled whenever the caller gives a point, for a
wish posted with a typed address too (placed at its grid, else its community)."""

from __future__ import annotations

import pytest

from handlers.geo.demo import load_geo_demo
from tests.support.wishes import staff, volunteer, wish

pytestmark = pytest.mark.usefixtures("db")


async def test_the_wall_gives_distances_from_the_callers_point(make_bot, api_for, tmp_path):
    bot = await make_bot(media_dir=tmp_path / "media")
    await load_geo_demo()
    await staff()
    await volunteer("o-vol", community="繁荣社区")
    await wish(title="带坐标", lat=43.8868, lng=125.3172)
    await wish(title="只有网格", grid="G01")  # posted with a typed address, no point
    await wish(title="只有社区", grid=None, community="繁荣社区")
    await wish(title="无处可寻", grid=None, community="火星社区")
    vol = await api_for(bot).login("o-vol")
    status, body = await vol.get("/wishes", params={"lat": 43.8868, "lng": 125.3172})
    assert status == 200, body
    km = {i["title"]: i["distance_km"] for i in body["items"]}
    assert km["带坐标"] == 0 and km["只有网格"] is not None and km["只有网格"] < 1, km
    assert km["只有社区"] is not None and km["只有社区"] < 1 and km["无处可寻"] is None, km
    # Without a point from the caller (and none registered) there is nothing to measure from.
    status, body = await vol.get("/wishes")
    assert all(i["distance_km"] is None for i in body["items"]), body
