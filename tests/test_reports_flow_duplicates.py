"""随手拍 duplicates: an open case of the same category nearby is offered; 是 is a +1."""

from __future__ import annotations

import pytest

from storage.core.models import Photo
from storage.reports.models import Case, CaseEvent, Supporter
from tests.support.reports import LAT, LNG, number_in, report, report_bot

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


async def test_a_nearby_case_of_the_same_category_is_offered_and_supported(rbot):
    bot = rbot
    number = number_in(await report(bot, "o-a"))
    # 30 m away, the same category: "是不是这个？" with the first case's card.
    offer = await report(bot, "o-b", lat=LAT + 0.0003, color="blue")
    assert "是不是这个" in offer and number in offer and "路灯" in offer
    assert await Case.all().count() == 1
    done = await bot.say("o-b", "是")
    assert f"已为 {number} +1" in done
    assert await Case.all().count() == 1
    assert await Supporter.filter(openid="o-b").count() == 1
    case = await Case.get(number=number)
    assert case.supporters_count == 1
    assert await CaseEvent.filter(case_id=case.id, action="support").count() == 1
    # The supporter's photo joins the case (with the supporter as its sender).
    assert await Photo.filter(owner_id=number, openid="o-b").count() == 1
    # A second +1 of the same person changes nothing.
    assert "已经为" in await report(bot, "o-b", lat=LAT + 0.0002, color="green", answer="是")
    assert (await Case.get(number=number)).supporters_count == 1


async def test_not_this_one_submits_a_new_case(rbot):
    bot = rbot
    first = number_in(await report(bot, "o-a"))
    assert "是不是这个" in await report(bot, "o-b", lat=LAT + 0.0003, color="blue")
    assert "回复「是」为已有上报" in await bot.say("o-b", "嗯")  # neither 是 nor 不是
    second = number_in(await bot.say("o-b", "不是"))
    assert second != first and await Case.all().count() == 2
    assert await Supporter.all().count() == 0


async def test_far_away_or_another_category_is_not_offered(rbot):
    bot = rbot
    number_in(await report(bot, "o-a"))
    # ~330 m north: outside 路灯's 100 m radius.
    assert "上报成功" in await report(bot, "o-b", lat=LAT + 0.003, color="blue")
    assert "上报成功" in await report(bot, "o-c", desc="井盖丢了", color="green")
    assert await Case.all().count() == 3


async def test_the_reporter_is_pointed_to_their_own_case(rbot):
    bot = rbot
    number = number_in(await report(bot, "o-a"))
    reply = await report(bot, "o-a", lat=LAT, lng=LNG + 0.0002, color="blue", answer="是")
    assert f"您自己上报的 {number}" in reply
    assert await Case.all().count() == 1 and await Supporter.all().count() == 0


async def test_a_retried_yes_supports_once(rbot):
    bot = rbot
    number_in(await report(bot, "o-a"))
    await report(bot, "o-b", lat=LAT + 0.0003, color="blue")
    first = await bot.say("o-b", "是", msg_id=8801)
    assert await bot.say("o-b", "是", msg_id=8801) == first
    assert await Supporter.all().count() == 1
    assert await CaseEvent.filter(action="support").count() == 1
