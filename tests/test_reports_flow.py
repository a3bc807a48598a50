"""随手拍 through the real app: the whole conversation, slots out of order, corrections,
cancel, the 30-minute window, retries and bad input at every step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import callbacks
from storage import clock
from storage.core.models import Person, Photo
from storage.reports.models import Case, CaseEvent, CaseStatus
from tests.support.reports import (
    LABEL,
    LAT,
    LNG,
    number_in,
    photo,
    place,
    report_bot,
)

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


async def test_whole_flow_photo_location_text_category_confirm(rbot):
    bot = rbot
    first = await photo(bot, "o-res")
    assert "已收到照片（1/3）" in first and "位置" in first
    assert "照片（2/3）" in await photo(bot, "o-res", "blue")
    asked = await place(bot, "o-res")
    assert LABEL in asked and "描述" in asked
    menu = await bot.say("o-res", "路灯不亮了晚上很黑")
    assert "分类" in menu and "1. 路灯" in menu and "其他" in menu and "全部" in menu
    card = await bot.say("o-res", "1")
    assert "照片：2 张" in card and LABEL in card and "路灯不亮了" in card and "路灯" in card
    assert await Case.all().count() == 0  # nothing before 确认
    done = await bot.say("o-res", "确认")
    number = number_in(done)
    assert "上报成功" in done and f"查 {number}" in done
    case = await Case.get(number=number)
    assert (case.reporter_openid, case.category_code, case.grid_code) == (
        "o-res", "street_light", "G01")
    assert (case.lat, case.lng, case.address) == (LAT, LNG, LABEL)
    assert case.description == "路灯不亮了晚上很黑"
    assert case.status is CaseStatus.DISPATCHED and case.assignee_openid == "o-grid"
    assert await Photo.filter(owner_kind="report", owner_id=number).count() == 2
    # The conversation is over: the next text is not a description.
    assert "没有看懂" in await bot.say("o-res", "路灯又坏了")


async def test_keyword_start_and_slots_out_of_order(rbot):
    bot = rbot
    assert "请发送问题的照片" in await bot.event("o-menu", "CLICK", "REPORT")
    assert "照片" in await bot.say("o-res", "随手拍")
    # A text before the photo is the description; a location before the photo is kept.
    again = await bot.say("o-res", "井盖丢了，很危险")
    assert "已记下描述" in again and "照片" in again
    assert "照片" in await place(bot, "o-res")
    menu = await photo(bot, "o-res")
    assert "1. 井盖缺失" in menu
    card = await bot.say("o-res", "1")
    assert "井盖丢了" in card and LABEL in card and "井盖缺失" in card
    case = await Case.get(number=number_in(await bot.say("o-res", "确认")))
    assert case.category_code == "manhole_cover"


async def test_description_in_the_keyword_and_the_building_choice(rbot):
    bot = rbot
    await Person.create(openid="o-res", building="B12-1")
    asked = await bot.say("o-res", "随手拍 楼道灯坏了")
    assert "照片" in asked
    asked = await photo(bot, "o-res")
    assert "本楼" in asked  # a bound resident is offered their building
    menu = await bot.say("o-res", "本楼")
    assert "已记下位置" in menu and "分类" in menu
    await bot.say("o-res", "全部")
    case_card = await bot.say("o-res", "路灯")  # a category by name from the full list
    assert "分类：路灯" in case_card
    case = await Case.get(number=number_in(await bot.say("o-res", "确认")))
    assert case.building_code == "B12-1" and case.grid_code is not None


async def test_corrections_change_one_slot(rbot):
    bot = rbot
    await photo(bot, "o-res")
    await place(bot, "o-res")
    await bot.say("o-res", "路边垃圾成堆")
    card = await bot.say("o-res", "1")
    assert "垃圾" in card
    assert "位置" in await bot.say("o-res", "改位置")
    card = await place(bot, "o-res", LAT + 0.0005, LNG, "新的地点")
    assert "新的地点" in card and "请核对" in card
    assert "描述" in await bot.say("o-res", "改描述")
    card = await bot.say("o-res", "路边垃圾没人清理")
    assert "没人清理" in card and "请核对" in card  # the category is kept
    menu = await bot.say("o-res", "改分类")
    assert "1. 垃圾堆放" in menu
    await bot.say("o-res", "全部")
    card = await bot.say("o-res", "3")  # the full list: 3. 下水堵塞/外溢
    assert "下水堵塞" in card
    assert "照片" in await bot.say("o-res", "改照片")
    assert "照片：1 张" in await photo(bot, "o-res", "green")
    case = await Case.get(number=number_in(await bot.say("o-res", "确认")))
    assert (case.address, case.description, case.category_code) == (
        "新的地点", "路边垃圾没人清理", "sewer")
    assert await Photo.filter(owner_id=case.number).count() == 1


async def test_a_command_after_a_stray_photo_is_a_command(rbot):
    bot = rbot
    await photo(bot, "o-res")
    assert "还没有上报过" in await bot.say("o-res", "我的上报")  # not the description
    assert "描述" in await place(bot, "o-res")  # the draft is still there


async def test_cancel_leaves_nothing(rbot):
    bot = rbot
    await photo(bot, "o-res")
    await place(bot, "o-res")
    assert "已取消" in await bot.say("o-res", "取消")
    assert await Case.all().count() == 0
    assert "没有进行中" in await bot.say("o-res", "取消")
    # A new photo starts afresh.
    assert "1/3" in await photo(bot, "o-res")


async def test_continue_within_30_minutes_not_after(rbot):
    bot = rbot
    await photo(bot, "o-res")
    clock.advance(timedelta(minutes=29))
    assert "描述" in await place(bot, "o-res")  # still the same draft
    clock.advance(timedelta(minutes=29))
    assert "分类" in await bot.say("o-res", "路灯不亮")
    clock.advance(timedelta(minutes=31))
    assert "已作废" in await bot.say("o-res", "1")
    assert await Case.all().count() == 0
    # A photo after the window starts a new draft instead.
    await photo(bot, "o-res")
    clock.advance(timedelta(minutes=40))
    assert "1/3" in await photo(bot, "o-res", "blue")


async def test_retried_messages_have_one_effect(rbot):
    bot = rbot
    media = bot.sandbox.add_media(b"\xff\xd8\xff\xe0 jpeg bytes", "image/jpeg")
    first = await bot.send(callbacks.image("o-res", media, msg_id=7001), "o-res")
    again = await bot.send(callbacks.image("o-res", media, msg_id=7001), "o-res")
    assert first == again and "1/3" in again
    await place(bot, "o-res", msg_id=7002)
    await place(bot, "o-res", msg_id=7002)
    await bot.say("o-res", "路灯不亮", msg_id=7003)
    await bot.say("o-res", "路灯不亮", msg_id=7003)
    card = await bot.say("o-res", "1", msg_id=7004)
    assert "照片：1 张" in card
    done = await bot.say("o-res", "确认", msg_id=7005)
    assert await bot.say("o-res", "确认", msg_id=7005) == done
    assert await Case.all().count() == 1
    assert await CaseEvent.filter(action="submit").count() == 1


async def test_bad_input_at_every_step(rbot):
    bot = rbot
    await bot.say("o-res", "随手拍")
    assert "至少需要一张照片" in await bot.say("o-res", "跳过")
    assert "没有关联楼栋" in await bot.say("o-res", "本楼")
    for color in ("red", "blue", "green"):
        await photo(bot, "o-res", color)
    assert "最多 3 张" in await photo(bot, "o-res", "white")
    await place(bot, "o-res")
    assert "描述请在" in await bot.say("o-res", "坏" * 301)
    assert "1. 道路破损" in await bot.say("o-res", "跳过")  # no description: the full list
    assert "没有这个序号" in await bot.say("o-res", "99")
    assert "没有这个序号" in await bot.say("o-res", "天上的云")
    voice = callbacks._xml("o-res", "gh_linli", "voice",
                           "<MediaId><![CDATA[v1]]></MediaId><Format><![CDATA[amr]]></Format>"
                           f"<MsgId>{callbacks.next_msg_id()}</MsgId>", None)
    assert "用不上" in await bot.send(voice, "o-res")
    card = await bot.say("o-res", "1")
    assert "描述：（未填写）" in card and "照片：3 张" in card
    assert "回复「确认」提交" in await bot.say("o-res", "好的吧")
    number_in(await bot.say("o-res", "确认"))
    case = await Case.get()
    assert (case.description, case.category_code) == ("", "road_damage")
    assert await Photo.filter(owner_id=case.number).count() == 3
