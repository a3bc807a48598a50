"""A wish's summary can be corrected as a report's can, and says where and for which community
(issue 14), so the admin's 待审心愿 has what it takes to judge."""

from __future__ import annotations

from bot import callbacks
from handlers.geo.demo import load_geo_demo
from storage.core.models import Wish
from tests.support.wishes import app_bot, number_in, person, staff, talk


async def test_the_wish_summary_takes_corrections_and_returns_to_the_card(make_bot, tmp_path):
    bot = await app_bot(make_bot, tmp_path)
    await person("o-res", name="周桂兰")
    *_, card = await talk(bot, "o-res", "许愿 厨房灯不亮了", "灯管坏了", "4", "跳过", "不限",
                          "繁荣社区 5号楼101", "跳过")
    assert "厨房灯不亮了" in card and "改类别" in card
    assert "类别" in await bot.say("o-res", "改类别")
    card = await bot.say("o-res", "2")
    assert "确认" in card and "厨房灯不亮了" in card  # back to the card, the rest kept
    assert "一句话" in await bot.say("o-res", "改标题")
    assert "换灯管" in await bot.say("o-res", "换灯管")
    assert "电话" in await bot.say("o-res", "改电话")
    assert "13912345678" in await bot.say("o-res", "13912345678")
    number_in(await bot.say("o-res", "确认"))
    w = await Wish.get()
    assert (w.title, w.details, w.phone) == ("换灯管", "灯管坏了", "13912345678")
    assert w.kind.value != "repair"


async def test_a_wish_at_a_location_names_its_community_and_the_admin_sees_the_place(
        make_bot, tmp_path):
    await load_geo_demo()
    bot = await app_bot(make_bot, tmp_path)
    await staff()
    await person("o-res", name="周桂兰")
    await talk(bot, "o-res", "许愿 厨房灯不亮了", "灯管坏了", "4", "跳过", "不限")
    card = await bot.send(callbacks.location("o-res", 43.8860, 125.3180, "明珠小区东门"), "o-res")
    card = await bot.say("o-res", "跳过")
    assert "社区：未填" not in card and "繁荣社区" in card and "明珠小区东门" in card
    await bot.say("o-res", "确认")
    pending = await bot.say("o-admin", "待审心愿")
    assert "明珠小区东门" in pending and "繁荣社区" in pending and "周桂兰" in pending


async def test_an_expired_wish_draft_is_named_by_its_title(make_bot, tmp_path):
    from storage import keys
    from tests.support.wishes import services

    bot = await app_bot(make_bot, tmp_path)
    await person("o-res", name="周桂兰")
    await talk(bot, "o-res", "许愿 厨房灯不亮了", "灯管坏了")
    kv = services(bot).kv
    await kv.redis.delete(keys.state(kv, "o-res"))  # the conversation's timeout passed
    reply = await bot.say("o-res", "4")
    assert "微心愿草稿已超过 30 分钟未完成，已失效" in reply and "厨房灯不亮了" in reply
    assert "许愿" in reply
