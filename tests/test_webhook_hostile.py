"""Hostile callbacks, correctly signed: absurd timestamps, nonces and echostrs, sender ids
that are not openids, locations that are not places. Each is refused at the edge (403, 400,
or a plain Chinese reply for a location) with nothing stored and nothing raw logged."""

from __future__ import annotations

import logging

import pytest

from bot import callbacks
from bot.signing import sign
from storage.core.models import Person, ProcessedMessage
from storage.reports.models import Case
from tests.support.reports import LAT, LNG, number_in, photo, place, report_bot


@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


def _signed(token: str, timestamp: str, nonce: str = "123456") -> dict[str, str]:
    return {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


# -- timestamp, nonce, signatures, echostr -------------------------------------------------

@pytest.mark.parametrize("timestamp", ["9" * 400, "-" + "9" * 400, "1e400", "١٧٠٠٠٠٠٠٠٠",
                                       " 1700000000", "17000000000000"])
@pytest.mark.parametrize("skew", [300, 0])
async def test_an_absurd_timestamp_is_refused(make_bot, timestamp, skew):
    bot = await make_bot(wechat_timestamp_skew=skew)
    query = _signed(bot.settings.wechat_token, timestamp)
    resp = await bot.client.post("/wechat", params=query,
                                 data=callbacks.text("o1", "帮助").encode())
    assert resp.status in (400, 403), await resp.text()
    resp = await bot.client.get("/wechat", params={**query, "echostr": "42"})
    assert resp.status in (400, 403), await resp.text()


@pytest.mark.parametrize("change", [{"nonce": "1" * 5000}, {"nonce": "<x>"}, {"nonce": ""},
                                    {"signature": "a" * 5000}])
async def test_an_absurd_nonce_or_signature_is_refused(bot, change):
    query = {**bot.query("o1"), **change}
    if "nonce" in change:  # signed with it, so only its shape can be wrong
        query["signature"] = sign(bot.settings.wechat_token, query["timestamp"], change["nonce"])
    resp = await bot.client.post("/wechat", params=query,
                                 data=callbacks.text("o1", "帮助").encode())
    assert resp.status in (400, 403), await resp.text()


async def test_an_absurd_msg_signature_is_refused(make_bot):
    bot = await make_bot(wechat_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
    body, query = callbacks.encrypted(bot.crypto, callbacks.text("o-aes", "帮助"),
                                      bot.query("o-aes"))
    query["msg_signature"] = query["msg_signature"] + "0" * 5000
    resp = await bot.client.post("/wechat", params=query, data=body.encode())
    assert resp.status == 403


@pytest.mark.parametrize("echostr", ["9" * 5000, "<script>alert(1)</script>"])
async def test_an_absurd_echostr_is_not_echoed(bot, echostr):
    resp = await bot.client.get("/wechat", params={**bot.query(), "echostr": echostr})
    assert resp.status == 400
    assert echostr not in await resp.text()


# -- FromUserName / ToUserName -------------------------------------------------------------

BAD_IDS = ["o" * 30_000, "o" * 65, "o-res<script>", "张三", "o res", "o\u200bres", "o/../x"]


@pytest.mark.parametrize("openid", BAD_IDS, ids=lambda v: f"{v[:8]}…{len(v)}")
async def test_a_sender_that_is_not_an_openid_is_a_400(bot, openid, caplog):
    caplog.set_level(logging.DEBUG)
    resp = await bot.client.post("/wechat", params=bot.query(),
                                 data=callbacks.text(openid, "帮助").encode())
    assert resp.status == 400
    assert await Person.all().count() == 0 and await ProcessedMessage.all().count() == 0
    logged = "\n".join(r.getMessage() + str(r.exc_text or "") for r in caplog.records)
    assert openid not in logged and "o" * 65 not in logged


@pytest.mark.parametrize("to", ["g" * 65, "gh_<x>"])
async def test_an_absurd_recipient_is_a_400(bot, to):
    resp = await bot.client.post("/wechat", params=bot.query(),
                                 data=callbacks.text("o-res", "帮助", to=to).encode())
    assert resp.status == 400
    assert await Person.all().count() == 0


async def test_real_openids_and_the_official_account_id_are_taken(bot):
    for openid in ("oyORnuP8q7ou2gfYjqLzSIWZf0rs", "o-res_1", "o" * 64):
        assert "功能菜单" in await bot.send(callbacks.text(openid, "帮助",
                                                           to="gh_10f6c3c3ac5a"), openid)


# -- locations -----------------------------------------------------------------------------

def _location(openid: str, x: str, y: str) -> str:
    body = (f"<Location_X>{x}</Location_X><Location_Y>{y}</Location_Y><Scale>16</Scale>"
            f"<Label><![CDATA[某地]]></Label><MsgId>{callbacks.next_msg_id()}</MsgId>")
    return (f"<xml><ToUserName><![CDATA[gh_linli]]></ToUserName><FromUserName><![CDATA["
            f"{openid}]]></FromUserName><CreateTime>1700000000</CreateTime>"
            f"<MsgType><![CDATA[location]]></MsgType>{body}</xml>")


BAD_PLACES = [("nan", str(LNG)), (str(LAT), "nan"), ("1e308", str(LNG)), ("inf", str(LNG)),
              (str(LAT), "-inf"), ("90.5", str(LNG)), (str(LAT), "180.01"), ("-91", "0"),
              ("1" * 400, str(LNG))]


@pytest.mark.parametrize(("x", "y"), BAD_PLACES, ids=lambda v: v[:10])
async def test_a_location_that_is_not_a_place_gets_a_plain_reply(rbot, x, y):
    reply = await rbot.send(_location("o-new", x, y), "o-new")
    assert "没能读出" in reply and "位置" in reply
    assert await Person.filter(openid="o-new").count() == 0
    assert await ProcessedMessage.all().count() == 0


async def test_a_bad_location_mid_report_leaves_the_draft_working(rbot):
    await photo(rbot, "o-res")
    assert "没能读出" in await rbot.send(_location("o-res", "nan", "1e308"), "o-res")
    assert "描述" in await place(rbot, "o-res")  # the draft still waits for its place
    await rbot.say("o-res", "路灯不亮了晚上很黑")
    await rbot.say("o-res", "1")
    number = number_in(await rbot.say("o-res", "确认"))
    case = await Case.get(number=number)
    assert (case.lat, case.lng) == (LAT, LNG)


async def test_a_reported_location_event_that_is_not_a_place_is_ignored(rbot):
    xml = ("<xml><ToUserName><![CDATA[gh_linli]]></ToUserName><FromUserName><![CDATA[o-ev]]>"
           "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]>"
           "</MsgType><Event><![CDATA[LOCATION]]></Event><Latitude>nan</Latitude>"
           "<Longitude>1e308</Longitude><Precision>30</Precision></xml>")
    resp = await rbot.post(xml, "o-ev")
    assert resp.status == 200 and await resp.text() == "success"
    assert await Person.filter(openid="o-ev").count() == 0
