"""积分兑换 in chat, through the real app: 积分, 兑换, 兑换 N → 确认, 我的兑换, 核销, and the
sweeps that void lapsed reservations and expire points."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from bot import callbacks, keys
from bot.scheduler import JOBS
from handlers import outbox
from handlers.demo import load_demo_data
from handlers.points import scheduled
from rewards import catalogue, ledger
from rewards.policy import Rules, load_rules
from rewards.rules import apply_rule
from rewards.verify import verify
from storage import clock
from storage.core.models import OutboxMessage, OutboxStatus, Person, ProcessedMessage, Role
from storage.ledger.models import Redemption, RedemptionStatus

PLACE = "繁荣社区服务站"
RES = "o-res"


def services(bot):
    return bot.client.app[keys.SERVICES]


async def reward(name="洗衣液", cost=30, stock=5, **kw):
    return await catalogue.add_reward(name, cost, stock, pickup_place=PLACE, **kw)


async def grant(openid=RES, amount=100, reason="参加社区志愿服务"):
    await ledger.grant(openid, amount, reason, key=f"t:{openid}:{amount}:{reason}")


async def person(openid, role, name=""):
    await Person.create(openid=openid, role=role, name=name or openid)


async def pushed(openid):
    rows = await OutboxMessage.filter(openid=openid).order_by("id")
    return [row.payload["text"] for row in rows]


async def redeem(bot, openid, reward_id):
    """兑换 N then 确认; the code from the reply."""
    assert "回复「确认」" in await bot.say(openid, f"兑换 {reward_id}")
    reply = await bot.say(openid, "确认")
    assert "兑换成功" in reply, reply
    return reply.split("核销码：")[1][:6]


def set_clock(moment: datetime) -> None:
    clock.advance(moment - clock.now())


# -- 积分 ----------------------------------------------------------------------------------------


async def test_balance_and_recent_entries_in_shanghai_time(bot):
    # 17:30 UTC on 4 March is 01:30 on 5 March in Shanghai.
    set_clock(datetime(2025, 3, 4, 17, 30, tzinfo=UTC))
    await grant(amount=100, reason="参加社区志愿服务")
    await apply_rule("wish_fulfilled_volunteer", RES, "W12")
    reply = await bot.say(RES, "积分")
    assert "可用 120 分" in reply and "预留" not in reply
    assert "3月5日 +100 社区发放（参加社区志愿服务）" in reply
    assert "3月5日 +20 完成微心愿（W12）" in reply
    assert "3月4日" not in reply
    # Newest first.
    assert reply.index("完成微心愿") < reply.index("社区发放")
    assert await bot.say(RES, "我的积分") == reply


async def test_balance_of_someone_new(bot):
    reply = await bot.say("o-new", "积分")
    assert "可用 0 分" in reply and "还没有积分记录" in reply
    # "积分兑换" is the catalogue, not 积分 with an argument.
    assert "目前没有可兑换的礼品" in await bot.say("o-new", "积分兑换")


# -- 兑换: the catalogue --------------------------------------------------------------------------


async def test_catalogue_lists_only_what_can_be_redeemed_now(bot):
    await grant(amount=45)
    assert "目前没有可兑换的礼品" in await bot.say(RES, "兑换")
    soap = await reward("洗衣液", 30, 12, per_person_limit=2)
    tissue = await reward("抽纸", 20, 0)  # out of stock
    bag = await reward("环保袋", 10, 3)
    await catalogue.disable(bag.id)
    later = await reward("理发券", 50, 5, available_from=clock.now() + timedelta(days=3))
    reply = await bot.say(RES, "兑换")
    assert f"{soap.id}. 洗衣液　30 分｜剩 12 件｜每人限 2 件｜领取：{PLACE}" in reply
    for hidden in (tissue, bag, later):
        assert hidden.name not in reply
    assert "可用 45 分" in reply and f"兑换 {soap.id}" in reply
    # Reading the catalogue starts no conversation.
    assert "没有看懂" in await bot.say(RES, "确认")


# -- 兑换 N → 确认 -------------------------------------------------------------------------------


async def test_redeem_reserves_points_and_one_unit_with_a_code_valid_seven_days(bot):
    await grant(amount=100)
    soap = await reward("洗衣液", 30, 2)
    ask = await bot.say(RES, f"兑换 {soap.id}")
    assert "洗衣液" in ask and "30 分" in ask and "兑换后剩 70 分" in ask and PLACE in ask
    assert await Redemption.all().count() == 0  # nothing before 确认
    reply = await bot.say(RES, "确认")
    r = await Redemption.get()
    assert r.status == RedemptionStatus.PENDING and r.openid == RES
    assert f"核销码：{r.code}" in reply and len(r.code) == 6 and r.code.isdigit()
    assert r.expires_at - r.created_at == timedelta(days=7)
    until = clock.local(r.expires_at)
    assert f"{until.month}月{until.day}日 {until:%H:%M}" in reply and PLACE in reply
    assert "可用 70 分" in reply
    assert await ledger.balance(RES) == ledger.Balance(RES, 100, 30, 70)
    assert (await catalogue.get_reward(soap.id)).stock == 1
    assert "可用 70 分（另有 30 分已预留" in await bot.say(RES, "积分")
    mine = await bot.say(RES, "我的兑换")
    assert f"洗衣液（30 分）待领取，核销码 {r.code}" in mine and PLACE in mine
    assert (await verify()).ok


async def test_tolerant_numbers(bot):
    await grant()
    soap = await reward()
    for text in (f"兑换{soap.id}", f"兑换 {soap.id}号", f"兑换：第{soap.id}个", f"积分兑换 {soap.id}"):
        assert "回复「确认」" in await bot.say(RES, text), text
    wide = str(soap.id).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert "回复「确认」" in await bot.say(RES, f"兑换　{wide}")


async def test_bad_input_gets_a_clear_reply_and_reserves_nothing(bot):
    await grant(amount=100)
    soap = await reward("洗衣液", 30, 5, per_person_limit=1)
    dear = await reward("电饭煲", 500, 2)
    gone = await reward("抽纸", 10, 0)
    off = await reward("环保袋", 10, 5)
    await catalogue.disable(off.id)
    soon = await reward("理发券", 10, 5, available_from=clock.now() + timedelta(days=1))
    done = await reward("毛巾", 10, 5, available_from=clock.now() - timedelta(days=9),
                        available_until=clock.now() - timedelta(days=1))
    await redeem(bot, RES, soap.id)  # the one a person may have
    before = await ledger.balance(RES)
    cases = {
        "兑换 abc": "礼品编号（数字）",
        "兑换 3.5": "礼品编号（数字）",
        "兑换 9999": "没有找到编号为 9999 的礼品",
        "兑换 99999999999": "没有找到编号为 99999999999 的礼品",
        f"兑换 {dear.id}": "积分不足：需要 500 分，当前可用 70 分",
        f"兑换 {gone.id}": "已经兑完了",
        f"兑换 {off.id}": "当前不可兑换",
        f"兑换 {soon.id}": "当前不可兑换",
        f"兑换 {done.id}": "当前不可兑换",
        f"兑换 {soap.id}": "每人最多兑换 1 次",
    }
    for text, expected in cases.items():
        reply = await bot.say(RES, text)
        assert expected in reply, (text, reply)
        # No conversation was started: 确认 means nothing now.
        assert "没有看懂" in await bot.say(RES, "确认"), text
    assert await Redemption.all().count() == 1
    assert await ledger.balance(RES) == before


async def test_the_confirmation_step(bot):
    await grant()
    soap = await reward()
    await bot.say(RES, f"兑换 {soap.id}")
    again = await bot.say(RES, "嗯？")
    assert "没有看懂" in again and "请回复「确认」兑换这件礼品" in again
    # A read-only command in between keeps the conversation.
    assert "可用 100 分" in await bot.say(RES, "积分")
    assert "已取消" in await bot.say(RES, "取消")
    assert "没有看懂" in await bot.say(RES, "确认")
    assert await Redemption.all().count() == 0
    # Another 兑换 N replaces the one being confirmed.
    bag = await reward("环保袋", 10, 3)
    await bot.say(RES, f"兑换 {soap.id}")
    assert "环保袋" in await bot.say(RES, f"兑换 {bag.id}")
    assert "环保袋" in await bot.say(RES, "确定")
    assert [r.reward_id for r in await Redemption.all()] == [bag.id]


async def test_what_changed_before_confirm_is_refused_then(bot):
    await grant(RES, 100)
    await grant("o-b", 100)
    last = await reward("理发券", 30, 1)
    bag = await reward("环保袋", 10, 5)
    await bot.say(RES, f"兑换 {last.id}")
    await bot.say("o-b", f"兑换 {last.id}")
    await bot.say(RES, "确认")
    reply = await bot.say("o-b", "确认")
    assert "已经兑完了" in reply and "本次没有兑换，积分未扣除" in reply
    await bot.say("o-b", f"兑换 {bag.id}")
    await catalogue.disable(bag.id)
    assert "当前不可兑换" in await bot.say("o-b", "确认")
    await catalogue.enable(bag.id)
    await bot.say("o-b", f"兑换 {bag.id}")
    await ledger.spend("o-b", 95, key="t:spent-elsewhere")
    assert "积分不足：需要 10 分，当前可用 5 分" in await bot.say("o-b", "确认")
    assert await Redemption.filter(openid="o-b").count() == 0
    assert await ledger.balance("o-b") == ledger.Balance("o-b", 5, 0, 5)
    assert (await verify()).ok


# -- one reservation per 确认 message ------------------------------------------------------------


async def test_a_redelivered_confirmation_reserves_once(bot):
    await grant()
    soap = await reward()
    await bot.say(RES, f"兑换 {soap.id}")
    xml = callbacks.text(RES, "确认", msg_id=callbacks.next_msg_id())
    replies = [await bot.send(xml, RES) for _ in range(4)]
    assert len(set(replies)) == 1 and "兑换成功" in replies[0]
    assert await Redemption.all().count() == 1
    assert await ledger.balance(RES) == ledger.Balance(RES, 100, 30, 70)


async def test_the_database_half_when_redis_forgot(bot):
    """The first delivery committed but its process died before saving the conversation
    (the state still says 'confirm') and Redis lost the message id: the redelivery must be
    answered from the database, not reserve again."""
    await grant()
    soap = await reward()
    await bot.say(RES, f"兑换 {soap.id}")
    kv = bot.client.app[keys.KV_STORE]
    state = await kv.redis.get(kv.key("state", RES))
    assert state is not None
    msg_id = callbacks.next_msg_id()
    xml = callbacks.text(RES, "确认", msg_id=msg_id)
    first = await bot.send(xml, RES)
    await kv.redis.set(kv.key("state", RES), state, ex=600)
    await kv.redis.delete(kv.key("msg", f"m:{msg_id}"))
    again = await bot.send(xml, RES)
    assert again == first and "兑换成功" in first
    assert await ProcessedMessage.filter(dedup_key=f"m:{msg_id}").count() == 1
    assert await Redemption.all().count() == 1
    assert await ledger.balance(RES) == ledger.Balance(RES, 100, 30, 70)


async def test_concurrent_deliveries_to_two_instances_reserve_once(make_bot):
    first, second = await make_bot(), await make_bot()
    await grant()
    soap = await reward()
    await first.say(RES, f"兑换 {soap.id}")
    xml = callbacks.text(RES, "确认", msg_id=callbacks.next_msg_id())
    resps = await asyncio.gather(*(b.post(xml, RES) for b in (first, second, first, second)))
    texts = [callbacks.reply_text(None, await r.text(), {}) for r in resps]
    assert len(set(texts)) == 1 and "兑换成功" in texts[0], texts
    assert await Redemption.all().count() == 1
    assert await ledger.balance(RES) == ledger.Balance(RES, 100, 30, 70)


async def test_two_confirmations_are_two_redemptions(bot):
    await grant()
    soap = await reward(per_person_limit=2)
    codes = [await redeem(bot, RES, soap.id), await redeem(bot, RES, soap.id)]
    assert codes[0] != codes[1]
    assert await ledger.balance(RES) == ledger.Balance(RES, 100, 60, 40)
    mine = await bot.say(RES, "我的兑换")
    assert all(code in mine for code in codes)


# -- 我的兑换 --------------------------------------------------------------------------------------


async def test_my_redemptions_with_status_and_codes(bot):
    await person("o-grid", Role.GRID_WORKER, "王梦苏")
    assert "还没有兑换记录" in await bot.say(RES, "我的兑换")
    await grant()
    soap = await reward("洗衣液", 30, 5)
    bag = await reward("环保袋", 10, 5)
    lapsed = await redeem(bot, RES, bag.id)
    clock.advance(timedelta(days=8))
    await scheduled.sweep_reservations(services(bot))
    taken = await redeem(bot, RES, soap.id)
    await bot.say("o-grid", f"核销 {taken}")
    waiting = await redeem(bot, RES, soap.id)
    mine = (await bot.say(RES, "我的兑换")).splitlines()
    assert mine[0] == "我的兑换："
    assert mine[1].startswith("1. 洗衣液（30 分）待领取，核销码 " + waiting)
    assert mine[2].startswith("2. 洗衣液（30 分）已领取") and taken in mine[2]
    assert mine[3] == "3. 环保袋（10 分）已过期，积分已退回"
    assert lapsed not in "\n".join(mine)


# -- 核销 ------------------------------------------------------------------------------------------


async def test_station_staff_hand_out_and_the_resident_hears(bot, sandbox):
    await person("o-grid", Role.GRID_WORKER, "王梦苏")
    await Person.create(openid=RES, name="周大妈")
    await grant()
    soap = await reward("洗衣液", 30, 5)
    code = await redeem(bot, RES, soap.id)
    reply = await bot.say("o-grid", f"核销 {code}")
    assert "核销成功" in reply and "洗衣液" in reply and "周大妈" in reply
    r = await Redemption.get()
    assert r.status == RedemptionStatus.PICKED_UP and r.picked_up_by == "o-grid"
    assert await ledger.balance(RES) == ledger.Balance(RES, 70, 0, 70)
    [notice] = await pushed(RES)
    assert "「洗衣液」已在繁荣社区服务站领取" in notice and code in notice
    # The outbox sweep delivers it through WeChat (the resident wrote a moment ago).
    await outbox.deliver_due(services(bot).messenger)
    sent = [m["payload"]["text"]["content"] for m in sandbox.state.messages_for(RES)]
    assert sent == [notice]
    # Handed out once.
    assert "已经使用过了" in await bot.say("o-grid", f"核销 {code}")
    assert len(await pushed(RES)) == 1
    history = await bot.say(RES, "积分")
    assert "-30 兑换礼品（洗衣液）" in history and "可用 70 分" in history
    assert (await verify()).ok


async def test_a_redelivered_pickup_hands_out_once(bot):
    await person("o-admin", Role.ADMIN, "张丽")
    await grant()
    code = await redeem(bot, RES, (await reward()).id)
    xml = callbacks.text("o-admin", f"核销 {code}", msg_id=callbacks.next_msg_id())
    replies = [await bot.send(xml, "o-admin") for _ in range(3)]
    assert len(set(replies)) == 1 and "核销成功" in replies[0]
    assert len(await pushed(RES)) == 1
    assert await ledger.balance(RES) == ledger.Balance(RES, 70, 0, 70)


@pytest.mark.parametrize("role, refusal", [
    (Role.RESIDENT, "仅限工作人员"),
    (Role.VOLUNTEER, "仅限工作人员"),
    (Role.PROPERTY_MANAGER, "没有权限"),
    (Role.DEPARTMENT, "没有权限"),
])
async def test_only_station_staff_may_hand_out(bot, role, refusal):
    await person("o-other", role)
    await grant()
    code = await redeem(bot, RES, (await reward()).id)
    assert refusal in await bot.say("o-other", f"核销 {code}")
    # Nor may the resident who redeemed.
    assert "仅限工作人员" in await bot.say(RES, f"核销 {code}")
    r = await Redemption.get()
    assert r.status == RedemptionStatus.PENDING and r.picked_up_by is None
    assert await ledger.balance(RES) == ledger.Balance(RES, 100, 30, 70)
    assert await pushed(RES) == []


async def test_staff_cannot_hand_out_their_own(bot):
    await person("o-grid", Role.GRID_WORKER, "王梦苏")
    await grant("o-grid")
    code = await redeem(bot, "o-grid", (await reward()).id)
    assert "不能核销自己的兑换" in await bot.say("o-grid", f"核销 {code}")
    assert (await Redemption.get()).status == RedemptionStatus.PENDING


async def test_unknown_malformed_and_expired_codes(bot, monkeypatch):
    await person("o-grid", Role.GRID_WORKER, "王梦苏")
    monkeypatch.setattr("rewards.redemption.new_code", lambda: "246810")
    await grant()
    await redeem(bot, RES, (await reward()).id)
    assert "六位数字" in await bot.say("o-grid", "核销 12ab")
    assert "六位数字" in await bot.say("o-grid", "核销 1234567")
    assert "六位核销码" in await bot.say("o-grid", "核销")
    assert "核销码 135790 不存在" in await bot.say("o-grid", "核销 135790")
    clock.advance(timedelta(days=7, minutes=1))  # lapsed, not yet swept
    assert "已过期" in await bot.say("o-grid", "核销 ２４６８１０")
    await scheduled.sweep_reservations(services(bot))
    assert "已过期" in await bot.say("o-grid", "核销 246810")
    assert (await Redemption.get()).status == RedemptionStatus.EXPIRED
    assert not [t for t in await pushed(RES) if "领取（" in t]


# -- the sweeps ------------------------------------------------------------------------------------


async def test_lapsed_reservations_are_voided_and_the_resident_told(bot, sandbox):
    await grant()
    soap = await reward("洗衣液", 30, 1)
    code = await redeem(bot, RES, soap.id)
    clock.advance(timedelta(days=6))
    await scheduled.sweep_reservations(services(bot))
    assert (await Redemption.get()).status == RedemptionStatus.PENDING
    assert await pushed(RES) == []

    clock.advance(timedelta(days=2))  # 8 days after the reservation
    await scheduled.sweep_reservations(services(bot))
    await scheduled.sweep_reservations(services(bot))  # a rerun tells nobody twice
    r = await Redemption.get()
    assert r.status == RedemptionStatus.EXPIRED and r.active_code is None
    assert await ledger.balance(RES) == ledger.Balance(RES, 100, 0, 100)
    assert (await catalogue.get_reward(soap.id)).stock == 1
    rows = await OutboxMessage.filter(openid=RES)
    assert [row.key for row in rows] == [f"points:lapsed:{r.id}"]
    text = rows[0].payload["text"]
    assert "「洗衣液」" in text and code in text and "7 天未领取" in text
    assert "30 积分已退回" in text and "放回库存" in text

    # Eight days of silence closed WeChat's 48 h window: the message waits for the resident.
    await outbox.deliver_due(services(bot).messenger)
    assert sandbox.state.messages_for(RES) == []
    assert (await OutboxMessage.get(key=f"points:lapsed:{r.id}")).status is OutboxStatus.PENDING
    assert "可用 100 分" in await bot.say(RES, "积分")
    await outbox.deliver_due(services(bot).messenger)
    assert [m["payload"]["text"]["content"] for m in sandbox.state.messages_for(RES)] == [text]
    # The unit is back on the shelf for someone else.
    await grant("o-b", 50)
    await redeem(bot, "o-b", soap.id)
    assert (await verify()).ok


async def test_a_message_lost_to_a_crash_is_written_by_the_next_sweep(bot, monkeypatch):
    await grant()
    await redeem(bot, RES, (await reward()).id)
    clock.advance(timedelta(days=8))

    async def crash(r):
        raise ConnectionError("the process died here")

    with monkeypatch.context() as patched:
        patched.setattr(scheduled, "tell_lapsed", crash)
        await scheduled.sweep_reservations(services(bot))
    assert (await Redemption.get()).status == RedemptionStatus.EXPIRED
    assert await pushed(RES) == []
    await scheduled.sweep_reservations(services(bot))
    await scheduled.sweep_reservations(services(bot))
    [text] = await pushed(RES)
    assert "已自动取消" in text


def _rules_with_expiry() -> Rules:
    return dataclasses.replace(load_rules(), expiry_enabled=True, remind_days_before=30)


async def test_points_expiry_is_off_by_default(bot):
    assert load_rules().expiry_enabled is False
    set_clock(datetime(2024, 6, 1, 4, 0, tzinfo=UTC))
    await grant(amount=50)
    set_clock(datetime(2026, 3, 1, 4, 0, tzinfo=UTC))
    await scheduled.sweep_expiry(services(bot))
    assert await ledger.balance(RES) == ledger.Balance(RES, 50, 0, 50)
    assert await pushed(RES) == []


async def test_points_expiry_when_enabled_reminds_then_expires(bot, monkeypatch):
    enabled = _rules_with_expiry()
    monkeypatch.setattr("rewards.policy._packaged", lambda: enabled)
    set_clock(datetime(2024, 6, 1, 4, 0, tzinfo=UTC))  # earned in 2024: expire after 2025
    await grant(amount=50)
    set_clock(datetime(2025, 11, 20, 4, 0, tzinfo=UTC))  # 42 days before: too early
    await scheduled.sweep_expiry(services(bot))
    assert await pushed(RES) == []
    set_clock(datetime(2025, 12, 10, 4, 0, tzinfo=UTC))
    await scheduled.sweep_expiry(services(bot))
    await scheduled.sweep_expiry(services(bot))
    [reminder] = await pushed(RES)
    assert "50 积分有效期至 12月31日" in reminder
    assert await ledger.balance(RES) == ledger.Balance(RES, 50, 0, 50)
    set_clock(datetime(2026, 1, 2, 4, 0, tzinfo=UTC))
    await scheduled.sweep_expiry(services(bot))
    await scheduled.sweep_expiry(services(bot))
    texts = await pushed(RES)
    assert len(texts) == 2 and "50 积分已过期" in texts[1]
    assert await ledger.balance(RES) == ledger.Balance(RES, 0, 0, 0)
    assert "积分过期" in await bot.say(RES, "积分")
    assert (await verify()).ok


def test_the_sweeps_are_scheduled():
    jobs = {name: (job, seconds) for name, job, seconds in JOBS}
    assert jobs["points_reservations"] == (scheduled.sweep_reservations, 60)
    assert jobs["points_expiry"] == (scheduled.sweep_expiry, 3600)


# -- demo data and the menu --------------------------------------------------------------------


async def test_demo_rewards_load_twice_and_can_be_redeemed(bot):
    await load_demo_data()
    await load_demo_data()
    rewards = await catalogue.list_rewards()
    assert sorted(r.name for r in rewards) == sorted(["洗衣液 2kg", "抽纸 6包", "环保袋", "理发券"])
    assert {r.pickup_place for r in rewards} == {PLACE}
    assert (await ledger.balance("demo-resident")).available == 130
    listed = await bot.say("demo-resident", "兑换")
    assert all(r.name in listed for r in rewards) and "可用 130 分" in listed
    haircut = next(r for r in rewards if r.name == "理发券")
    await redeem(bot, "demo-resident", haircut.id)
    assert "每人最多兑换 1 次" in await bot.say("demo-resident", f"兑换 {haircut.id}")


async def test_the_menu_mentions_points(bot):
    await person("o-grid", Role.GRID_WORKER, "王梦苏")
    assert "「我的兑换」" in await bot.say(RES, "帮助")
    assert "【核销" not in await bot.say(RES, "帮助")
    assert "【核销 六位核销码】" in await bot.say("o-grid", "帮助")
