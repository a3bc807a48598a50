"""Who may do what, and bad input at every step: a clear Chinese reply and nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import callbacks
from storage import clock
from storage.core.models import OutboxMessage, Person, Role, Volunteer, Wish, WishEvent, WishStatus
from tests.support.wishes import app_bot, jpeg, person, staff, talk, volunteer, wish


@pytest.fixture
async def wbot(make_bot, tmp_path):
    return await app_bot(make_bot, tmp_path)


async def _snapshot(w: Wish) -> tuple:
    fresh = await Wish.get(id=w.id)
    events = await WishEvent.filter(wish_id=w.id).count()
    return fresh.status, fresh.claimant_openid, events, await OutboxMessage.all().count()


async def test_only_admins_moderate(wbot):
    bot = wbot
    await staff()
    await person("o-res")
    w = await wish(status=WishStatus.SUBMITTED)
    before = await _snapshot(w)
    assert "仅限工作人员" in await bot.say("o-res", f"通过 {w.number}")
    assert "没有权限" in await bot.say("o-grid", f"通过 {w.number}")
    assert "没有权限" in await bot.say("o-grid", f"退回 {w.number} 不行")
    assert "仅限工作人员" in await bot.say("o-res", "待审心愿")
    assert await _snapshot(w) == before
    assert "请写明原因" in await bot.say("o-admin", f"退回 {w.number}")
    assert await _snapshot(w) == before
    assert "已退回" in await bot.say("o-admin", f"退回 {w.number} 请补充地址")
    w = await Wish.get(id=w.id)
    assert w.status is WishStatus.REJECTED and w.reject_reason == "请补充地址"
    assert "不在待审核状态" in await bot.say("o-admin", f"通过 {w.number}")


async def test_claiming_needs_registration_and_not_ones_own_wish(wbot):
    bot = wbot
    await staff()
    w = await wish(poster="o-res", beneficiary_openid="o-res")
    before = await _snapshot(w)
    assert "志愿者注册" in await bot.say("o-stranger", f"认领 {w.number}")
    await volunteer("o-res")
    assert "不能认领自己" in await bot.say("o-res", f"认领 {w.number}")
    assert await _snapshot(w) == before


async def test_only_the_claimant_completes_or_releases(wbot, sandbox):
    bot = wbot
    await staff()
    await volunteer("o-vol")
    await volunteer("o-vol2")
    w = await wish()
    await bot.say("o-vol", f"认领 {w.number}")
    before = await _snapshot(w)
    assert "只有认领" in await bot.say("o-vol2", f"完成 {w.number}")
    await bot.send(callbacks.image("o-vol2", sandbox.state.add_media(jpeg())), "o-vol2")
    assert "只有认领" in await bot.say("o-vol2", f"放弃 {w.number}")
    assert "只有认领" in await bot.say("o-grid", f"完成 {w.number}")
    assert await _snapshot(w) == before


async def test_only_the_beneficiary_or_the_grid_worker_confirms(wbot):
    bot = wbot
    await staff()
    await volunteer("o-vol")
    await person("o-res")
    await person("o-other")
    w = await wish(status=WishStatus.FULFILLED, poster="o-res", beneficiary_openid="o-res",
                   grid="G01")
    await Wish.filter(id=w.id).update(claimant_openid="o-vol")
    before = await _snapshot(w)
    for openid in ("o-other", "o-vol", "o-grid2", "o-admin"):
        assert "才能确认" in await bot.say(openid, f"确认心愿 {w.number}"), openid
        assert "才能确认" in await bot.say(openid, f"未完成 {w.number} 没送到"), openid
    assert await _snapshot(w) == before
    assert "已确认" in await bot.say("o-grid", f"确认心愿 {w.number}")
    assert (await Wish.get(id=w.id)).confirmed_by == "o-grid"


async def test_the_beneficiary_may_send_it_back(wbot):
    bot = wbot
    await staff()
    await volunteer("o-vol")
    w = await wish(status=WishStatus.FULFILLED, poster="o-res", beneficiary_openid="o-res")
    await Wish.filter(id=w.id).update(claimant_openid="o-vol")
    assert "请写明原因" in await bot.say("o-res", f"未完成 {w.number}")
    assert "延长至" in await bot.say("o-res", f"未完成 {w.number} 拐杖还没送到")
    w = await Wish.get(id=w.id)
    assert w.status is WishStatus.CLAIMED and w.claim_expires_at > clock.now()
    assert "确认" in await bot.say("o-res", f"确认心愿 {w.number}")  # not fulfilled any more
    assert (await Wish.get(id=w.id)).status is WishStatus.CLAIMED


async def test_cancel_by_poster_or_admin_only(wbot):
    bot = wbot
    await staff()
    await volunteer("o-vol")
    mine = await wish(poster="o-res", beneficiary_openid="o-res")
    other = await wish(poster="o-res", beneficiary_openid="o-res")
    await bot.say("o-vol", f"认领 {mine.number}")
    assert "只有发布人" in await bot.say("o-vol", f"取消心愿 {mine.number}")
    assert "已撤销" in await bot.say("o-res", f"取消心愿 {mine.number}")
    assert [1 for m in await OutboxMessage.filter(openid="o-vol") if "撤销" in m.payload["text"]]
    assert "已撤销" in await bot.say("o-admin", f"撤销心愿 {other.number}")
    assert "不能撤销" in await bot.say("o-res", f"取消心愿 {other.number}")
    assert "已撤销" in await bot.say("o-vol", f"认领 {other.number}")


async def test_bad_numbers_and_states_change_nothing(wbot):
    bot = wbot
    await staff()
    await volunteer("o-vol")
    closed = await wish(status=WishStatus.CLOSED)
    submitted = await wish(status=WishStatus.SUBMITTED)
    before = await _snapshot(closed), await _snapshot(submitted)
    assert "没有找到心愿 W9999" in await bot.say("o-vol", "认领 W9999")
    assert "W 加数字" in await bot.say("o-vol", "认领 abc")
    assert "心愿编号" in await bot.say("o-vol", "认领")
    assert "已经实现了" in await bot.say("o-vol", f"认领 {closed.number}")
    assert "审核中" in await bot.say("o-vol", f"认领 {submitted.number}")
    assert "没有找到" in await bot.say("o-vol", "完成 W9999")
    assert "没有找到" in await bot.say("o-admin", "通过 W9999")
    assert "没有找到" in await bot.say("o-vol", "查看心愿 W9999")
    assert (await _snapshot(closed), await _snapshot(submitted)) == before


async def test_bad_input_at_every_posting_step(wbot, sandbox):
    bot = wbot
    await staff()
    photo = callbacks.image("o-grid", sandbox.state.add_media(jpeg()))
    assert "为谁" in await bot.say("o-grid", "许愿")
    assert "需要文字" in await bot.send(photo, "o-grid")
    assert "1-20" in await bot.say("o-grid", "一" * 21)
    await bot.say("o-grid", "周桂兰")
    assert "需要文字" in await bot.send(photo, "o-grid")
    assert "2-30" in await bot.say("o-grid", "拐" * 31)
    await bot.say("o-grid", "想要一根拐杖")
    assert "300" in await bot.say("o-grid", "细" * 301)
    await bot.say("o-grid", "无")
    assert "1-5" in await bot.say("o-grid", "9")
    assert "1-5" in await bot.say("o-grid", "abc")
    assert "照片" in await bot.say("o-grid", "２")  # full-width digit accepted
    assert "没有看懂" in await bot.say("o-grid", "好的")  # text where a photo is expected
    assert "什么时候" in await bot.say("o-grid", "跳过")
    assert "已经过去" in await bot.say("o-grid", "2020-01-01")
    assert "没有看懂这个日期" in await bot.say("o-grid", "13月40日")
    assert "一年以内" in await bot.say("o-grid", "800天内")
    assert "地址" in await bot.say("o-grid", "明天")
    assert "4-100" in await bot.say("o-grid", "家")
    await bot.say("o-grid", "繁荣社区 3号楼2单元501")
    assert "格式不对" in await bot.say("o-grid", "123")
    assert "请核对" in await bot.say("o-grid", "跳过")
    assert "没有看懂" in await bot.say("o-grid", "嗯嗯")
    assert "需要文字" in await bot.send(photo, "o-grid")
    assert await Wish.all().count() == 0
    assert "已提交" in await bot.say("o-grid", "确认")
    w = await Wish.get()
    assert (w.title, w.details, w.kind.value, w.phone, w.photo_id) == (
        "想要一根拐杖", "", "home_service", "", None)
    assert w.needed_by == clock.local().date() + timedelta(days=1)


async def test_cancelling_a_posting_leaves_nothing(wbot):
    bot = wbot
    await talk(bot, "o-res", "许愿", "想要一根拐杖", "无")
    assert "已取消" in await bot.say("o-res", "取消")
    assert await Wish.all().count() == 0


async def test_bad_input_in_registration_and_proof(wbot, sandbox):
    bot = wbot
    await staff()
    replies = await talk(bot, "o-new", "志愿者注册", "陈晓", "12", "跳过", "跑腿", "繁荣", "也许")
    assert "格式不对" in replies[2] and "是」或「否" in replies[-1]
    assert "您的位置" in await bot.say("o-new", "否")
    assert "请发送位置" in await bot.say("o-new", "好的")  # neither a location nor 跳过
    assert not await Volunteer.exists(openid="o-new")
    assert "注册成功" in await bot.send(callbacks.location("o-new", 43.886, 125.318), "o-new")
    v = await Volunteer.get(openid="o-new")
    assert (v.lat, v.party_member) == (43.886, False)

    w = await wish()
    await bot.say("o-new", f"认领 {w.number}")
    assert "照片" in await bot.say("o-new", f"完成 {w.number}")
    reply = await bot.say("o-new", "已经送到了")  # a text where a photo is needed
    assert "需要一张照片" in reply
    assert (await Wish.get(id=w.id)).status is WishStatus.CLAIMED
    await bot.send(callbacks.image("o-new", sandbox.state.add_media(jpeg())), "o-new")
    assert "需要文字" in await bot.send(
        callbacks.image("o-new", sandbox.state.add_media(jpeg("blue"))), "o-new")
    assert (await Wish.get(id=w.id)).status is WishStatus.CLAIMED
    assert "等待受助方确认" in await bot.say("o-new", "跳过")
    assert (await Wish.get(id=w.id)).proof_note == ""
    assert (await Person.get(openid="o-new")).role is Role.VOLUNTEER
