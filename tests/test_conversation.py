"""The conversation engine through the real webhook: menu, commands, tolerant input, events."""

from __future__ import annotations

from storage.core.models import Person


async def test_help_shows_menu(bot):
    reply = await bot.say("o-res-1", "帮助")
    assert "功能菜单" in reply and "随手拍" in reply
    assert "工作人员功能" not in reply


async def test_unknown_text_gets_chinese_help(bot):
    reply = await bot.say("o-res-1", "今天天气怎么样")
    assert "没有看懂" in reply and "帮助" in reply


async def test_cancel_without_conversation(bot):
    assert "没有进行中的操作" in await bot.say("o-res-1", "取消")


async def test_follow_event_welcomes_and_creates_person(bot):
    reply = await bot.event("o-new", "subscribe")
    assert "欢迎关注邻里" in reply
    person = await Person.get(openid="o-new")
    assert person.subscribed and person.building is None


async def test_follow_through_qr_code_binds_building(bot):
    reply = await bot.event("o-qr", "subscribe", "qrscene_B12-3")
    assert "B12-3" in reply
    assert (await Person.get(openid="o-qr")).building == "B12-3"
    # Already following: scanning another building's code rebinds.
    reply = await bot.event("o-qr", "SCAN", "B07-1")
    assert "B07-1" in reply
    assert (await Person.get(openid="o-qr")).building == "B07-1"


async def test_unsubscribe_is_recorded_without_reply(bot):
    await bot.event("o-u", "subscribe")
    assert await bot.event("o-u", "unsubscribe") is None
    assert not (await Person.get(openid="o-u")).subscribed


async def test_menu_click_help(bot):
    reply = await bot.event("o-click", "CLICK", "HELP")
    assert "功能菜单" in reply


async def test_image_outside_a_flow_gets_guidance(bot):
    from bot import callbacks

    reply = await bot.send(callbacks.image("o-img", "MEDIA1"), "o-img")
    assert reply and "帮助" in reply
