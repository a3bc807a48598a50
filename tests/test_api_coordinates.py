"""Coordinates that are not a place on Earth (NaN, infinities, 1e308, beyond ±90/±180) are
refused by the API's models, in JSON, form fields and queries alike: a 400, nothing stored."""

from __future__ import annotations

import json

import pytest

from handlers.geo.demo import load_geo_demo
from storage.core.models import Wish
from storage.reports.models import Case
from tests.support.api import form, jpeg

GOOD = (43.8860, 125.3180)
BAD = [("nan", GOOD[1]), (GOOD[0], "NaN"), ("1e308", GOOD[1]), ("inf", GOOD[1]),
       (GOOD[0], "-Infinity"), ("90.0001", GOOD[1]), (GOOD[0], "180.5"), ("-91", "0")]


@pytest.fixture
async def caller(make_bot, api_for, tmp_path):
    bot = await make_bot(media_dir=tmp_path / "media")
    await load_geo_demo()
    return await api_for(bot).login("o-alice")


def _json_with(lat: object, lng: object, **fields: object) -> bytes:
    """A JSON body with the coordinates written as given (NaN and Infinity are what
    Python's and JavaScript's encoders write for them)."""
    body = json.dumps(fields, ensure_ascii=False)[:-1]
    return f'{body}, "lat": {lat}, "lng": {lng}}}'.encode()


@pytest.mark.parametrize(("lat", "lng"), BAD, ids=str)
async def test_a_report_at_no_place_is_a_400(caller, lat, lng):
    data = {"category": "garbage", "description": "楼下垃圾堆了三天", "lat": lat, "lng": lng}
    status, body = await caller.post("/reports", data=form(data, [jpeg()]))
    assert status == 400, body
    assert body["error"]["code"] == "invalid_request"
    raw = _json_with(_js(lat), _js(lng), category="garbage", description="垃圾",
                     photo_ids=["up_x"])
    status, body = await caller.post("/reports", data=raw,
                                     headers={"Content-Type": "application/json"})
    assert status == 400, body
    assert await Case.all().count() == 0


@pytest.mark.parametrize(("lat", "lng"), BAD, ids=str)
async def test_nearby_and_the_wall_refuse_no_place(caller, lat, lng):
    status, body = await caller.get("/reports/nearby", params={
        "category": "garbage", "lat": str(lat), "lng": str(lng)})
    assert status == 400, body
    status, body = await caller.get("/wishes", params={"lat": str(lat), "lng": str(lng)})
    assert status == 400, body


@pytest.mark.parametrize(("lat", "lng"), BAD, ids=str)
async def test_a_wish_at_no_place_is_a_400(caller, lat, lng):
    raw = _json_with(_js(lat), _js(lng), title="想要一根拐杖", details="腿脚不便", kind="goods",
                     address="繁荣社区 3号楼")
    status, body = await caller.post("/wishes", data=raw,
                                     headers={"Content-Type": "application/json"})
    assert status == 400, body
    assert await Wish.all().count() == 0


def _js(value: object) -> str:
    """How a client's JSON encoder writes the value (NaN, Infinity, -Infinity, 1e308)."""
    text = str(value)
    return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}.get(text.lower(), text)
