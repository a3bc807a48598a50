"""微心愿 end to end through the real app: post on behalf, approve, register, wall, claim,
proof photo, confirmation by the grid worker, points through the ledger, bulletin counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import callbacks
from handlers import outbox, photos
from handlers.wishes import queries as stats
from handlers.wishes import scheduled
from rewards import ledger
from storage import clock
from storage.core.models import (
    Person,
    Photo,
    PhotoStatus,
    Role,
    Volunteer,
    Wish,
    WishEvent,
    WishStatus,
)
from storage.ledger.models import Award
from tests.support.wishes import (
    app_bot,
    jpeg,
    number_in,
    pushed,
    services,
    staff,
    talk,
    volunteer,
    wish,
)


@pytest.fixture
async def wbot(make_bot, tmp_path):
    return await app_bot(make_bot, tmp_path)


async def test_full_flow_on_behalf_of_an_elder(wbot, sandbox):
    bot = wbot
    await staff()
    # The grid worker posts for 周桂兰, who has no WeChat.
    replies = await talk(bot, "o-grid", "许愿", "周桂兰", "想要一根结实的拐杖",
                         "独居，腿脚不便", "1")
    assert "本人" in replies[0] and "一句话" in replies[1] and "类别" in replies[3]
    assert "照片" in replies[4]
    media = sandbox.state.add_media(jpeg("blue"), "image/jpeg")
    assert "什么时候" in await bot.send(callbacks.image("o-grid", media), "o-grid")
    assert "地址" in await bot.say("o-grid", "一周内")
    assert "电话" in await bot.say("o-grid", "繁荣社区 3号楼2单元501")
    card = await bot.say("o-grid", "139 1234 5678")
    assert "周桂兰" in card and "3号楼2单元501" in card and "13912345678" in card
    assert await Wish.all().count() == 0  # nothing until 确认
    n = number_in(await bot.say("o-grid", "确认"))
    w = await Wish.get()
    assert w.number == n
    assert (w.status, w.on_behalf, w.grid, w.community) == (
        WishStatus.SUBMITTED, True, "G01", "繁荣社区")
    assert w.beneficiary_openid is None and w.phone == "13912345678"
    assert w.needed_by == (clock.local() + timedelta(days=7)).date()
    assert (await Photo.get(id=w.photo_id)).owner_id == n
    assert any(n in t and "待审核" in t for t in await pushed("o-admin"))

    # The admin reviews: the list shows no phone or address.
    listing = await bot.say("o-admin", "待审心愿")
    assert n in listing and "13912345678" not in listing and "2单元501" not in listing
    assert f"已通过心愿 {n}" in await bot.say("o-admin", f"通过 {n}")
    assert any("已通过审核" in t for t in await pushed("o-grid"))

    # A resident registers as a volunteer.
    replies = await talk(bot, "o-vol", "志愿者注册", "陈晓", "跳过", "跑腿、维修", "繁荣", "是",
                         "跳过")
    assert "注册成功" in replies[-1] and "党员" in replies[-1]
    v = await Volunteer.get(openid="o-vol")
    assert (v.community, v.party_member, v.phone) == ("繁荣社区", True, "")
    assert (await Person.get(openid="o-vol")).role is Role.VOLUNTEER

    wall = await bot.say("o-vol", "心愿墙")
    assert n in wall and "拐杖" in wall
    assert "13912345678" not in wall and "2单元501" not in wall and "周桂兰" not in wall

    claimed = await bot.say("o-vol", f"认领 {n}")
    assert "认领成功" in claimed and "13912345678" in claimed and "3号楼2单元501" in claimed
    assert any("陈晓" in t and "认领" in t for t in await pushed("o-grid"))
    # The outbox sweep delivers it through WeChat (the sandbox): the grid worker wrote lately.
    await outbox.deliver_due(services(bot).messenger)
    delivered = [m["payload"]["text"]["content"] for m in sandbox.state.messages_for("o-grid")]
    assert any("陈晓" in t and n in t for t in delivered), delivered
    mine = await bot.say("o-vol", "我的认领")
    assert n in mine and "13912345678" not in mine
    assert "13912345678" in await bot.say("o-vol", f"查看心愿 {n}")
    assert "13912345678" not in await bot.say("o-other", f"查看心愿 {n}")

    # Proof: a photo, then a note.
    assert "照片" in await bot.say("o-vol", f"完成 {n}")
    proof = sandbox.state.add_media(jpeg("green"), "image/jpeg")
    assert "说明" in await bot.send(callbacks.image("o-vol", proof), "o-vol")
    assert "等待受助方确认" in await bot.say("o-vol", "已把拐杖送到老人家中")
    w = await Wish.get()
    assert w.status is WishStatus.FULFILLED and w.proof_note == "已把拐杖送到老人家中"
    assert any(f"确认心愿 {n}" in t for t in await pushed("o-grid"))

    result = await photos.fetch_due(services(bot).photos)
    assert result.stored == 2
    assert (await Photo.get(id=w.proof_photo_id)).status is PhotoStatus.STORED

    # The grid worker confirms on the elder's behalf: points, then closed.
    assert "感谢志愿者陈晓" in await bot.say("o-grid", f"确认心愿 {n}")
    w = await Wish.get()
    assert (w.status, w.points, w.confirmed_by) == (WishStatus.CLOSED, 20, "o-grid")
    assert (await ledger.balance("o-vol")).balance == 20
    assert await Award.filter(openid="o-vol", subject=n).count() == 1
    assert any("20 积分" in t for t in await pushed("o-vol"))
    # A second sweep changes nothing: the award is keyed per wish.
    assert await scheduled.award_due() == 0
    assert (await ledger.balance("o-vol")).balance == 20

    kinds = [e.kind for e in await WishEvent.filter(wish_id=w.id).order_by("id")]
    assert kinds == ["submitted", "approved", "claimed", "fulfilled", "confirmed", "closed"]
    counts = await stats.fulfilled_counts(clock.now() - timedelta(days=7), clock.now())
    assert counts.total == 1
    assert counts.by_volunteer == [("o-vol", "陈晓", 1)]
    assert counts.by_community == [("繁荣社区", 1)]
    assert "已圆满完成 1 个心愿" in await bot.say("o-vol", "我的认领")


async def test_a_resident_posts_for_themself_and_confirms(wbot):
    bot = wbot
    await staff()
    await talk(bot, "o-res", "许愿 厨房灯不亮了", "灯管坏了", "4", "跳过", "不限",
               "繁荣社区 5号楼101", "跳过")
    n = number_in(await bot.say("o-res", "确认"))
    w = await Wish.get()
    assert (w.title, w.beneficiary_openid, w.on_behalf, w.grid) == (
        "厨房灯不亮了", "o-res", False, None)
    assert w.needed_by is None and w.kind.value == "repair"
    assert "已通过" in await bot.say("o-admin", f"通过 {n} g02")
    assert (await Wish.get()).grid == "G02"
    await volunteer("o-vol", "陈晓")
    await bot.say("o-vol", f"认领 {n}")
    # The resident reads the volunteer's name masked (handlers.masking.mask_name).
    told = await pushed("o-res")
    assert any("志愿者陈**" in t for t in told) and not any("陈晓" in t for t in told)
    await bot.say("o-vol", f"完成 {n} 换好了灯管")
    # The note came with the command: the photo finishes it.
    bot_photo = callbacks.image("o-vol", bot.sandbox.add_media(jpeg(), "image/jpeg"))
    assert "等待受助方确认" in await bot.send(bot_photo, "o-vol")
    # The photo is not downloaded yet: confirmed now, points once the sweep has seen it.
    assert "已确认" in await bot.say("o-res", f"确认心愿 {n}")
    assert (await Wish.get()).status is WishStatus.CONFIRMED
    await photos.fetch_due(services(bot).photos)
    await scheduled.sweep_awards(services(bot))
    w = await Wish.get()
    assert w.status is WishStatus.CLOSED and w.points == 20 and w.proof_note == "换好了灯管"


async def test_the_wall_puts_own_community_then_nearest_first(wbot):
    bot = wbot
    await staff()
    await volunteer("o-vol", "陈晓", community="繁荣社区", lat=43.886, lng=125.318)
    far = await wish(title="远处的心愿", community="繁荣社区", lat=43.95, lng=125.40)
    near = await wish(title="近处的心愿", community="繁荣社区", lat=43.887, lng=125.318)
    other = await wish(title="别的社区", community="和平社区", lat=43.886, lng=125.318)
    text = await bot.say("o-vol", "心愿墙")
    order = [text.index(w.number + "【") for w in (near, far, other)]
    assert order == sorted(order), text
    assert "约0.1公里" in text


async def test_the_wall_pages_with_next_page(wbot):
    bot = wbot
    await staff()
    made = [await wish(title=f"心愿{i}") for i in range(7)]
    first = await bot.say("o-res", "心愿墙")
    assert "第 1 页" in first and made[0].number in first and made[5].number not in first
    assert "下一页" in first and "志愿者注册" in first
    second = await bot.say("o-res", "下一页")
    assert "第 2 页" in second and made[5].number in second and made[6].number in second
    assert "抱歉，没有看懂" in await bot.say("o-res", "下一页")  # the list has ended
    await Wish.all().update(status=WishStatus.CLOSED)
    assert "没有待认领" in await bot.say("o-res", "心愿墙")
