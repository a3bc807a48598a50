"""Staff see what residents see (issue 14): a place people recognise instead of raw
coordinates, who actually has a case (by role and name), and the reopen timeline's wording."""

from __future__ import annotations

import pytest

from storage.core.models import Person, Role
from storage.reports.models import Case
from tests.support.reports import number_in, photo, place, report_bot, resolve

pytestmark = pytest.mark.usefixtures("db")

LAT, LNG = 43.88575, 125.31805  # a few metres from 明珠小区5号楼 (B12-5), in grid G01
RAW = "43.88575,125.31805"
PLACE = "明珠小区5号楼附近 · 南湖街道繁荣社区 G01 网格"


@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


async def bare_report(bot, openid: str = "o-res", desc: str = "路灯不亮了晚上很黑") -> str:
    """A report whose location message carries no label (only coordinates)."""
    await photo(bot, openid)
    got = await place(bot, openid, LAT, LNG, label="")
    assert PLACE in got and RAW not in got, got
    await bot.say(openid, desc)
    card = await bot.say(openid, "1")
    assert PLACE in card and RAW not in card, card
    return number_in(await bot.say(openid, "确认"))


async def test_cards_lists_and_staff_views_name_the_place(rbot):
    bot = rbot
    number = await bare_report(bot)
    for openid, text in (("o-res", f"查 {number}"),
                         ("o-grid", "我的待办"), ("o-grid", f"案件 {number}")):
        reply = await bot.say(openid, text)
        assert PLACE in reply and RAW not in reply, (text, reply)


async def test_the_api_and_open311_carry_the_place(rbot, api_for):
    bot = rbot
    number = await bare_report(bot)
    api = api_for(bot)
    status, body = await (await api.login("o-res")).get(f"/reports/{number}")
    assert status == 200 and body["place"] == PLACE and body["lat"] == LAT, body
    assert body["holder"] == "网格员 王梦苏", body
    response = await bot.client.get(f"/open311/v2/requests/{number}.json")
    assert response.status == 200
    doc = await response.json()
    assert doc[0]["address"] == PLACE, doc


async def test_a_building_report_names_the_building(rbot):
    bot = rbot
    await Person.create(openid="o-res", building="B12-3")
    await photo(bot, "o-res")
    got = await bot.say("o-res", "本楼")
    assert "明珠小区3号楼" in got


# -- who has it ------------------------------------------------------------------------------


async def test_the_submit_reply_and_the_card_name_who_has_it(rbot):
    bot = rbot
    done_number = await bare_report(bot)
    case = await Case.get(number=done_number)
    assert case.assignee_openid == "o-grid"
    reply = await bot.say("o-grid", f"案件 {done_number}")
    assert "负责：网格员 王梦苏" in reply, reply
    # No grid worker: the community admin has it, and the reply says so.
    await Person.filter(openid="o-grid").delete()
    await Person.create(openid="demo-admin", role=Role.ADMIN, name="张丽")
    await photo(bot, "o-res2")
    await place(bot, "o-res2", LAT, LNG, label="")
    await bot.say("o-res2", "垃圾堆在路边")
    await bot.say("o-res2", "1")
    done = await bot.say("o-res2", "确认")
    first = done.split("\n")[1]
    assert "网格员" not in first and "已派给社区管理员 张丽处理" in first, done


async def test_open311_agency_agrees_with_who_has_it(rbot):
    bot = rbot
    number = await bare_report(bot)
    response = await bot.client.get(f"/open311/v2/requests/{number}.json")
    doc = await response.json()
    assert doc[0]["agency_responsible"] == "网格员（G01 网格）", doc


# -- the timeline after 没修好 -----------------------------------------------------------------


async def test_reopen_timeline_says_each_thing_once(rbot):
    bot = rbot
    number = await bare_report(bot)
    await resolve(bot, number)
    await bot.say("o-res", "没修好")
    reply = await bot.say("o-res", f"查 {number}")
    assert "居民反馈没修好：居民反馈没修好" not in reply, reply
    assert "超时督办" not in reply and "督办：没修好" in reply, reply
