"""Issue 14, refuse what cannot be right: a description too long in the keyword, text stored
as typed, a place outside the street, an unusable photo (chat, API, Open311)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot import callbacks
from storage import keys
from storage.reports.models import Case
from storage.state import decode_state, encode_state
from tests.support.api import form as multipart
from tests.support.api import jpeg
from tests.support.open311 import api_key, form, post
from tests.support.reports import fetch_photos, number_in, photo, place, report_bot
from tests.support.wishes import pushed, services

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


async def test_keyword_with_a_description_over_the_limit_says_the_limit(rbot):
    reply = await rbot.say("o-res", "随手拍 " + "路" * 400)
    assert "300" in reply and "照片" in reply
    # Nothing of it was kept: the description is asked for again later.
    await photo(rbot, "o-res")
    assert "描述" in await place(rbot, "o-res")


async def test_description_is_stored_as_typed(rbot):
    await rbot.say("o-res", "随手拍 井盖没了，晚上很危险！")
    await photo(rbot, "o-res")
    await place(rbot, "o-res")
    await rbot.say("o-res", "１")  # commands and answers still match tolerantly
    await rbot.say("o-res", "确认")
    case = await Case.get()
    assert case.description == "井盖没了，晚上很危险！"


async def test_description_step_stores_as_typed(rbot):
    await photo(rbot, "o-res")
    await place(rbot, "o-res")
    await rbot.say("o-res", "井盖没了，晚上很危险（ＡＢ）")
    await rbot.say("o-res", "1")
    await rbot.say("o-res", "确认")
    case = await Case.get()
    assert case.description == "井盖没了，晚上很危险（ＡＢ）"


BEIJING = (39.9087, 116.3975)  # far outside the demo street (南湖街道, Changchun)


async def test_a_place_outside_the_street_is_refused_in_chat(rbot):
    await photo(rbot, "o-res")
    refused = await place(rbot, "o-res", *BEIJING, label="北京市东城区")
    assert "南湖街道" in refused and "12345" in refused
    await rbot.say("o-res", "井盖没了")
    # The place was not kept: it is asked for again, and nothing can be submitted.
    assert "位置" in refused
    assert "位置" in await rbot.say("o-res", "确认")
    assert await Case.all().count() == 0


async def test_a_place_outside_the_street_alone_starts_nothing(rbot):
    refused = await place(rbot, "o-res", *BEIJING, label="北京市东城区")
    assert "南湖街道" in refused and "12345" in refused and "开始上报" not in refused
    assert "没有看懂" in await rbot.say("o-res", "井盖没了")  # no draft took it


async def test_a_place_outside_the_street_is_refused_at_confirm(rbot):
    """A draft whose place was taken before the check (or the geography changed meanwhile)."""
    await photo(rbot, "o-res")
    await place(rbot, "o-res")
    await rbot.say("o-res", "井盖没了")
    await rbot.say("o-res", "1")
    kv = services(rbot).kv  # the draft lives in Redis: move its place to Beijing
    key = keys.state(kv, "o-res")
    ttl = await kv.redis.pttl(key)
    st = decode_state(await kv.redis.get(key))
    st.data.update(lat=BEIJING[0], lng=BEIJING[1])
    await kv.redis.set(key, encode_state(st), px=ttl)
    refused = await rbot.say("o-res", "确认")
    assert "南湖街道" in refused and "12345" in refused
    assert await Case.all().count() == 0


async def test_a_place_outside_the_street_is_refused_by_the_api_and_open311(rbot, api_for):
    alice = await api_for(rbot).login("o-api")
    status, body = await alice.post("/reports", data=multipart({
        "category": "garbage", "lat": BEIJING[0], "lng": BEIJING[1], "description": "垃圾"},
        [jpeg()]))
    assert status == 422 and body["error"]["code"] == "outside_area", body
    assert "南湖街道" in body["error"]["message"]
    resp = await post(rbot, form(await api_key(), lat="39.9087", long="116.3975"), "json")
    doc = await resp.json()
    assert resp.status == 400 and "南湖街道" in doc[0]["description"], doc
    assert await Case.all().count() == 0


async def test_an_unusable_photo_is_told_to_its_sender(rbot):
    """A GIF is taken in chat (the photo is downloaded later); the sweep that finds it
    unusable tells the resident, naming the case, and asks for another photo."""
    gif = io.BytesIO()
    Image.new("RGB", (32, 32), "green").save(gif, "GIF")
    await photo(rbot, "o-res")
    media = rbot.sandbox.add_media(gif.getvalue(), "image/gif")
    assert "照片（2/3）" in await rbot.send(callbacks.image("o-res", media), "o-res")
    await place(rbot, "o-res")
    await rbot.say("o-res", "井盖没了")
    await rbot.say("o-res", "1")
    case = await Case.get(number=number_in(await rbot.say("o-res", "确认")))
    await fetch_photos(rbot)
    await fetch_photos(rbot)  # a second sweep tells nobody twice
    told = [t for t in await pushed("o-res") if "照片无法使用" in t]
    assert len(told) == 1 and case.number in told[0] and "JPG" in told[0]
