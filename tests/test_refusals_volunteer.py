"""Issue 14: 志愿者注册 offers the district's communities as numbered choices; a community
that is not one of them is refused."""

from __future__ import annotations

import pytest

from handlers.geo.demo import load_geo_demo
from storage.core.models import Volunteer
from tests.support.wishes import app_bot, talk

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def gbot(make_bot, tmp_path):
    await load_geo_demo()
    return await app_bot(make_bot, tmp_path)


async def test_volunteer_community_is_one_of_the_district(gbot):
    replies = await talk(gbot, "o-vol", "志愿者注册", "陈晓", "跳过", "跑腿")
    assert "1. " in replies[-1] and "繁荣社区" in replies[-1] and "东盛社区" in replies[-1]
    refused = await gbot.say("o-vol", "火星社区")
    assert "没有「火星社区」" in refused and "繁荣社区" in refused
    assert "没有" in await gbot.say("o-vol", "99")
    assert "党员" in await gbot.say("o-vol", "繁荣")  # a part of the name picks it
    replies = await talk(gbot, "o-vol", "是", "跳过")
    assert "繁荣社区" in replies[-1] and "火星" not in replies[-1]
    assert (await Volunteer.get(openid="o-vol")).community == "繁荣社区"


async def test_volunteer_community_by_number(gbot):
    replies = await talk(gbot, "o-v2", "志愿者注册", "陈晓", "跳过", "跑腿")
    line = next(x for x in replies[-1].splitlines() if x.startswith("2. "))
    await talk(gbot, "o-v2", "２", "否", "跳过")
    assert (await Volunteer.get(openid="o-v2")).community == line[3:].strip()
