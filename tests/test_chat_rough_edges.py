"""Conversations that forget, and typos (issue 14): an expired draft is explained, a typo gets
the nearest command, a location alone starts 随手拍, the menus name every command."""

from __future__ import annotations

import pytest

from handlers.geo.demo import load_geo_demo
from storage import keys
from storage.core.models import Person, Role
from tests.support.reports import photo, place, report_bot, services


@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


async def _expire(bot, openid: str) -> None:
    """What Redis does when the conversation's timeout passes: the state key goes."""
    kv = services(bot).kv
    assert await kv.redis.get(keys.state(kv, openid)) is not None
    await kv.redis.delete(keys.state(kv, openid))


async def test_a_late_answer_to_an_expired_draft_says_what_expired(rbot):
    await photo(rbot, "o-r1")
    await place(rbot, "o-r1")
    await rbot.say("o-r1", "路灯不亮了晚上很黑")
    await _expire(rbot, "o-r1")
    reply = await rbot.say("o-r1", "确认")
    assert "没有看懂" not in reply
    assert "随手拍草稿已超过 30 分钟未完成，已失效" in reply
    assert "路灯不亮了晚上很黑" in reply and "回复「随手拍」" in reply
    # Said once: the next stray word is a plain "not understood".
    assert "没有看懂" in await rbot.say("o-r1", "确认")


async def test_the_expired_marker_lives_longer_than_the_state_but_within_the_draft_cap(
        make_bot, tmp_path):
    bot = await report_bot(make_bot, tmp_path)
    await bot.say("o-r2", "随手拍 井盖没了很危险")
    kv = services(bot).kv
    state_ttl = await kv.redis.ttl(keys.state(kv, "o-r2"))
    marker_ttl = await kv.redis.ttl(keys.expired(kv, "o-r2"))
    assert 0 < state_ttl <= 30 * 60 < marker_ttl <= 24 * 3600
    # A finished conversation leaves no marker behind.
    await rbot_cancel(bot, "o-r2")
    assert await kv.redis.get(keys.expired(kv, "o-r2")) is None


async def rbot_cancel(bot, openid: str) -> None:
    assert "已取消" in await bot.say(openid, "取消")


async def test_the_marker_holds_the_draft_no_longer_than_the_draft_cap(make_bot, tmp_path):
    await load_geo_demo()
    bot = await make_bot(media_dir=tmp_path / "media", retention_draft_hours=1)
    await bot.say("o-r3", "随手拍 井盖没了很危险")
    kv = services(bot).kv
    assert 0 < await kv.redis.ttl(keys.expired(kv, "o-r3")) <= 3600


async def test_a_typo_of_a_command_gets_the_nearest_one(bot):
    assert "您是不是想说「帮助」？" in await bot.say("o-t1", "帮主")
    assert "您是不是想说「随手拍」？" in await bot.say("o-t1", "随手排")
    reply = await bot.say("o-t1", "今天天气怎么样")
    assert "没有看懂" in reply and "是不是想说" not in reply


async def test_a_location_alone_starts_a_report_asking_for_the_photo(rbot):
    reply = await place(rbot, "o-l1")
    assert "随手拍" in reply and "照片" in reply
    reply = await photo(rbot, "o-l1")
    assert "描述" in reply or "分类" in reply


async def test_menus_name_volunteer_registration_and_every_staff_command(bot):
    assert "志愿者注册" in await bot.say("o-m1", "帮助")
    await Person.create(openid="o-m2", role=Role.GRID_WORKER, name="王梦苏", grid="G01")
    reply = await bot.say("o-m2", "帮助")
    for word in ("驳回", "转派", "报到", "案件", "我的待办"):
        assert word in reply, word


async def test_erasure_forgets_the_expired_marker(rbot):
    await rbot.say("o-r4", "随手拍 井盖没了很危险")
    kv = services(rbot).kv
    assert await kv.redis.get(keys.expired(kv, "o-r4")) is not None
    await rbot.say("o-r4", "注销")
    await rbot.say("o-r4", "确认注销")
    assert await kv.redis.get(keys.expired(kv, "o-r4")) is None
