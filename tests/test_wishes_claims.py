"""Claims: one winner among concurrent claimers, the time limit with its reminder and expiry,
repeated deliveries of the same message."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot import callbacks, keys
from handlers.wishes import scheduled
from storage import clock
from storage.core.models import OutboxMessage, ProcessedMessage, Wish, WishEvent, WishStatus
from tests.support.wishes import app_bot, jpeg, pushed, services, staff, volunteer, wish


@pytest.fixture
async def wbot(make_bot, tmp_path):
    return await app_bot(make_bot, tmp_path)


async def test_twenty_volunteers_claim_one_wish_at_once(make_bot, backend):
    url = backend.database_url + ("?minsize=2&maxsize=20" if backend.is_postgres else "")
    bots = [await make_bot(database_url=url), await make_bot(database_url=url)]
    await staff()
    w = await wish()
    people = [f"o-v{i:02d}" for i in range(20)]
    for openid in people:
        await volunteer(openid)
    replies = await asyncio.gather(*(
        bots[i % 2].say(openid, f"认领 {w.number}") for i, openid in enumerate(people)))
    winners = [p for p, r in zip(people, replies, strict=True) if "认领成功" in r]
    assert len(winners) == 1, replies
    losers = [r for r in replies if "认领成功" not in r]
    assert all("已被其他志愿者认领" in r for r in losers), losers
    w = await Wish.get(id=w.id)
    assert w.status is WishStatus.CLAIMED and w.claimant_openid == winners[0]
    assert await WishEvent.filter(wish_id=w.id, kind="claimed").count() == 1
    # The poster hears of exactly one claim.
    assert len([t for t in await pushed("o-grid") if "认领" in t]) == 1


async def test_reminder_a_day_before_then_expiry_tells_both_sides(wbot):
    bot = wbot
    await staff()
    await volunteer("o-vol", "陈晓")
    w = await wish(poster="o-res", grid="G01", beneficiary_openid="o-res")
    assert "认领成功" in await bot.say("o-vol", f"认领 {w.number}")
    claimed = await Wish.get(id=w.id)
    assert claimed.claim_expires_at - claimed.claimed_at == timedelta(hours=72)

    clock.advance(timedelta(hours=47))
    await scheduled.sweep_claims(services(bot))
    assert not [t for t in await pushed("o-vol") if "提醒" in t]
    clock.advance(timedelta(hours=1, minutes=1))
    await scheduled.sweep_claims(services(bot))
    await scheduled.sweep_claims(services(bot))  # a rerun reminds nobody twice
    reminders = [t for t in await pushed("o-vol") if "提醒" in t]
    assert len(reminders) == 1 and w.number in reminders[0]
    assert (await Wish.get(id=w.id)).status is WishStatus.CLAIMED

    clock.advance(timedelta(hours=24))
    assert await scheduled.expire_due() == 1
    assert await scheduled.expire_due() == 0
    w = await Wish.get(id=w.id)
    assert w.status is WishStatus.OPEN and w.claimant_openid is None
    assert [t for t in await pushed("o-vol") if "超过时限" in t]
    assert [t for t in await pushed("o-res") if "已超时" in t]
    # The old claimant cannot complete any more; someone else may claim it now.
    assert "只有认领" in await bot.say("o-vol", f"完成 {w.number}")
    await volunteer("o-vol2", "刘洋")
    assert "认领成功" in await bot.say("o-vol2", f"认领 {w.number}")
    kinds = [e.kind for e in await WishEvent.filter(wish_id=w.id).order_by("id")]
    assert kinds == ["claimed", "reminded", "expired", "claimed"]


async def test_expiry_leaves_a_renewed_claim_alone(wbot):
    await staff()
    await volunteer("o-vol")
    w = await wish(status=WishStatus.CLAIMED)
    await Wish.filter(id=w.id).update(claimant_openid="o-vol", claimed_at=clock.now(),
                                      claim_expires_at=clock.now() + timedelta(hours=1))
    stale = await Wish.get(id=w.id)
    # The volunteer gave up and claimed again (a fresh 72 h) before the sweep got to it.
    await Wish.filter(id=w.id).update(claim_expires_at=clock.now() + timedelta(hours=72))
    clock.advance(timedelta(hours=2))
    assert await scheduled.expire(stale) is False
    assert (await Wish.get(id=w.id)).status is WishStatus.CLAIMED


async def test_release_returns_the_wish_to_the_wall(wbot):
    bot = wbot
    await staff()
    await volunteer("o-vol")
    w = await wish()
    await bot.say("o-vol", f"认领 {w.number}")
    assert "已放弃" in await bot.say("o-vol", f"放弃 {w.number}")
    assert (await Wish.get(id=w.id)).status is WishStatus.OPEN
    assert [t for t in await pushed("o-grid") if "放弃" in t]
    assert w.number in await bot.say("o-vol", "心愿墙")


async def test_a_repeated_claim_message_has_one_effect(wbot):
    bot = wbot
    await staff()
    await volunteer("o-vol")
    w = await wish()
    xml = callbacks.text("o-vol", f"认领 {w.number}", msg_id=770001)
    first = await bot.send(xml, "o-vol")
    again = await bot.send(xml, "o-vol")
    assert first == again and "认领成功" in first
    # Redis forgot the message: the database still knows it had its effect.
    kv = bot.client.app[keys.KV_STORE]
    await kv.redis.delete(kv.key("msg", "m:770001"))
    assert await bot.send(xml, "o-vol") == first
    assert await WishEvent.filter(wish_id=w.id, kind="claimed").count() == 1
    assert await ProcessedMessage.filter(dedup_key="m:770001").count() == 1
    assert await OutboxMessage.filter(openid="o-grid").count() == 1


async def test_a_repeated_confirmation_awards_once(wbot, sandbox):
    bot = wbot
    await staff()
    await volunteer("o-vol")
    w = await wish(poster="o-res", beneficiary_openid="o-res")
    await bot.say("o-vol", f"认领 {w.number}")
    await bot.say("o-vol", f"完成 {w.number} 送到了")
    await bot.send(callbacks.image("o-vol", sandbox.state.add_media(jpeg())), "o-vol")
    from handlers import photos

    await photos.fetch_due(services(bot).photos)
    xml = callbacks.text("o-res", f"确认心愿 {w.number}", msg_id=770002)
    replies = [await bot.send(xml, "o-res") for _ in range(3)]
    assert len(set(replies)) == 1 and "已确认" in replies[0]
    w = await Wish.get(id=w.id)
    assert w.status is WishStatus.CLOSED and w.points == 20
    assert await WishEvent.filter(wish_id=w.id, kind="confirmed").count() == 1
    from rewards import ledger

    assert (await ledger.balance("o-vol")).balance == 20


async def test_a_volunteer_holds_at_most_three_claims(wbot):
    bot = wbot
    await staff()
    await volunteer("o-vol")
    made = [await wish(title=f"心愿{i}") for i in range(4)]
    for w in made[:3]:
        assert "认领成功" in await bot.say("o-vol", f"认领 {w.number}")
    assert "3 个进行中的认领" in await bot.say("o-vol", f"认领 {made[3].number}")
    assert (await Wish.get(id=made[3].id)).status is WishStatus.OPEN


def test_the_sweeps_are_scheduled():
    from bot.scheduler import JOBS
    from handlers import photos

    jobs = {name: job for name, job, _seconds in JOBS}
    assert jobs["photos"] is photos.sweep
    assert jobs["wish_claims"] is scheduled.sweep_claims
    assert jobs["wish_awards"] is scheduled.sweep_awards


async def test_a_repeated_submission_posts_one_wish(wbot):
    bot = wbot
    await staff()
    for line in ("许愿 想要一根拐杖", "无", "1", "跳过", "不限", "繁荣社区 3号楼", "跳过"):
        await bot.say("o-res", line)
    xml = callbacks.text("o-res", "确认", msg_id=770003)
    first = await bot.send(xml, "o-res")
    assert await bot.send(xml, "o-res") == first and "已提交" in first
    # Even if Redis forgot the message, the conversation is over: no second wish.
    kv = bot.client.app[keys.KV_STORE]
    await kv.redis.delete(kv.key("msg", "m:770003"))
    await bot.send(xml, "o-res")
    assert await Wish.all().count() == 1
    assert await OutboxMessage.filter(openid="o-admin").count() == 1
