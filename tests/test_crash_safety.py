"""A turn survives the death of the process that handled it: claims and locks carry a short
lease, a submitted draft answers every repeat of its 确认 with the first result, and a reply
that misses the passive deadline is never held by the quiet hours.

The same promises are tested with real processes and SIGKILL in tests/test_chaos.py.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from bot import callbacks, keys
from handlers.pipeline import Pipeline
from storage import clock
from storage import keys as storage_keys
from storage.core.models import OutboxMessage
from storage.reports.models import Case
from storage.turn import LEASE_MS, Start, TurnStore
from tests.support.reports import (
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


async def _card(bot, openid: str) -> None:
    """A draft ready for 确认."""
    await photo(bot, openid)
    await place(bot, openid, LAT, LNG)
    await bot.say(openid, "路灯不亮了晚上很黑")
    assert "确认" in await bot.say(openid, "1")


def _pipeline(bot) -> Pipeline:
    return bot.client.app[keys.PIPELINE]


async def test_a_dead_owner_lease_is_taken_over_by_the_redelivery(rbot):
    """A process claimed the 确认 and the person's lock, then died: WeChat's redelivery of
    the same MsgId handles the message within seconds and answers it."""
    await _card(rbot, "o-dead")
    kv = rbot.client.app[keys.KV_STORE]
    store = TurnStore(kv)
    start, turn = await store.begin("o-dead", "m:77001", clock.now())
    assert start is Start.ENTERED
    turn.lease.stop()  # the process is gone: nobody renews its claim or its lock
    started = time.monotonic()
    reply = await rbot.say("o-dead", "确认", msg_id=77001)
    assert "上报成功" in (reply or ""), reply
    assert time.monotonic() - started < LEASE_MS / 1000 + 4.5
    assert await Case.all().count() == 1


async def test_a_turn_script_sent_again_after_a_lost_reply_answers_as_the_first_run(rbot):
    """Redis ran the script that claims the message and takes the lock, and the reply was
    lost with the connection: the same command sent again finds the claim and the lock
    holding its own values and enters, as the first run did. Another owner's are refused."""
    kv = rbot.client.app[keys.KV_STORE]
    store = TurnStore(kv)
    person_keys = [*storage_keys.turn(kv, "o-lost"), storage_keys.notice(kv, "o-lost")]
    msg = storage_keys.msg(kv, "m:77010")
    args = [b"tok-1", LEASE_MS, "1700000000.0", 60, b"pending:tok-1", LEASE_MS]
    first = await store._claim_enter(keys=[*person_keys, msg], args=args)
    again = await store._claim_enter(keys=[*person_keys, msg], args=args)
    assert first[0] == again[0] == 1
    assert (await store._claim_enter(keys=[*person_keys, msg],
                                     args=[b"tok-2", *args[1:4], b"pending:tok-2", LEASE_MS])
            )[0] == 2  # another delivery of the message: a repeat
    other_msg = storage_keys.msg(kv, "m:77011")
    assert (await store._claim_enter(keys=[*person_keys, other_msg],
                                     args=[b"tok-3", *args[1:4], b"pending:tok-3", LEASE_MS])
            )[0] == 0  # another message of the person: the lock is not theirs
    assert await kv.redis.pttl(person_keys[0]) > LEASE_MS - 1000  # renewed by the re-run


async def test_a_living_owner_keeps_its_claim_past_the_lease(rbot):
    """The lease is renewed while the turn runs: a slow but living owner is not overtaken."""
    kv = rbot.client.app[keys.KV_STORE]
    store = TurnStore(kv)
    start, turn = await store.begin("o-slow", "m:77002", clock.now())
    await asyncio.sleep(LEASE_MS / 1000 * 1.6)
    second, _ = await store.begin("o-slow", "m:77002", clock.now(), wait=0.2)
    assert second is Start.REPEAT
    with pytest.raises(TimeoutError):
        await store.begin("o-slow", "m:77003", clock.now(), wait=0.3)
    await store.finish(turn, "好", None, 60)
    third, other = await store.begin("o-slow", "m:77004", clock.now(), wait=1.0)
    assert third is Start.ENTERED
    await store.finish(other, None, None, 60)


async def test_commit_then_crash_before_redis_bookkeeping_answers_the_same_case(
        rbot, monkeypatch):
    """The case committed, then Redis failed in the finishing step: the draft is still in
    Redis. The resident's next 确认 (a new MsgId) gets the same case number, not a second
    case, and the grid worker hears of it once."""
    await _card(rbot, "o-twice")
    real_finish = TurnStore.finish
    failed = []

    async def finish_fails_once(self, turn, reply, *args, **kwargs):
        if reply and "上报成功" in reply and not failed:
            failed.append(reply)
            raise ConnectionError("Redis went away")
        return await real_finish(self, turn, reply, *args, **kwargs)

    monkeypatch.setattr(TurnStore, "finish", finish_fails_once)
    first = await rbot.say("o-twice", "确认")
    assert failed and "系统繁忙" in (first or "")
    number = number_in(failed[0])
    again = await rbot.say("o-twice", "确认")
    assert number_in(again) == number and "上报成功" in again
    assert await Case.all().count() == 1
    # One notice, and each photo once (image rows follow the notice).
    assert await OutboxMessage.filter(openid="o-grid", kind="text").count() == 1
    assert await OutboxMessage.filter(openid="o-grid", kind="image").count() <= 1
    # The draft is finished: a further 确认 is not a step of a report any more.
    assert "上报成功" not in (await rbot.say("o-twice", "确认") or "")


async def test_a_late_reply_goes_out_at_night(rbot, monkeypatch):
    """A turn that misses the deadline at 23:30 is answered at once through the outbox,
    not held until 07:00: it is the answer to the person's own message."""
    now = clock.local()
    night = now.replace(hour=23, minute=30, second=0, microsecond=0)
    clock.advance((night if night > now else night + timedelta(days=1)) - now)
    await _card(rbot, "o-night")
    pipeline = _pipeline(rbot)
    monkeypatch.setattr(pipeline, "deadline", 0.05)
    real_dispatch = pipeline.router.dispatch

    async def slow(ctx):
        await asyncio.sleep(0.3)
        return await real_dispatch(ctx)

    monkeypatch.setattr(pipeline.router, "dispatch", slow)
    resp = await rbot.post(callbacks.text("o-night", "确认"), "o-night")
    assert await resp.text() == "success"
    await pipeline.drain()
    row = await OutboxMessage.get(openid="o-night")
    assert row.urgent and row.status == "sent"
    sent = [m for m in rbot.sandbox.sent if m["openid"] == "o-night"]
    assert sent and "上报成功" in str(sent[-1]["payload"]), sent


# -- every conversation that creates something: commit, crash, repeat ---------------------------


class _CrashOnce:
    """Redis fails in the finishing step of the next turn whose reply contains ``marker``
    (the effect has committed by then): the conversation's state stays behind."""

    def __init__(self, monkeypatch, marker: str) -> None:
        self.marker, self.replies = marker, []
        real = TurnStore.finish

        async def finish(store, turn, reply, *args, **kwargs):
            if reply and marker in reply and not self.replies:
                self.replies.append(reply)
                raise ConnectionError("Redis went away")
            return await real(store, turn, reply, *args, **kwargs)

        monkeypatch.setattr(TurnStore, "finish", finish)


async def _repeat_after_crash(bot, monkeypatch, openid: str, marker: str, send) -> str:
    """``send`` the final message; the turn crashes after its commit; the person sends the
    same thing again (a new MsgId): the answer must be the first one's."""
    crash = _CrashOnce(monkeypatch, marker)
    assert "系统繁忙" in (await send() or "")
    assert crash.replies, "the final step did not take effect"
    again = await send()
    assert again == crash.replies[0]
    return again


async def test_wish_post_confirm_twice_is_one_wish(make_bot, tmp_path, monkeypatch):
    from storage.core.models import Wish
    from tests.support.wishes import app_bot, staff, talk

    bot = await app_bot(make_bot, tmp_path)
    await staff()
    await talk(bot, "o-res", "许愿 厨房灯不亮了", "灯管坏了", "4", "跳过", "不限",
               "繁荣社区 5号楼101", "跳过")
    await _repeat_after_crash(bot, monkeypatch, "o-res", "W",
                              lambda: bot.say("o-res", "确认"))
    assert await Wish.all().count() == 1


async def test_volunteer_registration_twice_is_one_registration(make_bot, tmp_path,
                                                                monkeypatch):
    from storage.core.models import Volunteer
    from tests.support.wishes import app_bot, talk

    bot = await app_bot(make_bot, tmp_path)
    await talk(bot, "o-vol", "志愿者注册", "陈晓", "跳过", "跑腿、维修", "繁荣", "是")
    reply = await _repeat_after_crash(bot, monkeypatch, "o-vol", "注册成功",
                                      lambda: bot.say("o-vol", "跳过"))
    assert "注册成功" in reply
    assert await Volunteer.all().count() == 1


async def test_redeem_confirm_twice_spends_once(bot, monkeypatch):
    from rewards import ledger
    from storage.ledger.models import Redemption
    from tests.test_points_chat import grant, reward

    item = await reward(cost=30)
    await grant("o-red", 100)
    assert "确认" in await bot.say("o-red", f"兑换 {item.id}")
    await _repeat_after_crash(bot, monkeypatch, "o-red", "兑换成功",
                              lambda: bot.say("o-red", "确认"))
    assert await Redemption.all().count() == 1
    assert (await ledger.balance("o-red")).available == 70


async def test_wish_proof_photo_twice_fulfils_once(make_bot, tmp_path, monkeypatch):
    from storage.core.models import WishEvent
    from tests.support.wishes import app_bot, jpeg, staff, volunteer, wish

    bot = await app_bot(make_bot, tmp_path)
    await staff()
    await volunteer("o-vol", "陈晓")
    w = await wish()
    assert "认领成功" in await bot.say("o-vol", f"认领 {w.number}")
    assert "照片" in await bot.say("o-vol", f"完成 {w.number} 已送到")

    def proof():
        media = bot.sandbox.add_media(jpeg("green"), "image/jpeg")
        return bot.send(callbacks.image("o-vol", media), "o-vol")

    await _repeat_after_crash(bot, monkeypatch, "o-vol", "等待受助方确认", proof)
    assert await WishEvent.filter(wish_id=w.id, kind="fulfilled").count() == 1


async def test_case_resolve_photo_twice_resolves_once(rbot, monkeypatch):
    from storage.reports.models import CaseEvent
    from tests.support.reports import report
    from tests.support.wishes import jpeg

    number = number_in(await report(rbot, "o-res"))
    assert number in await rbot.say("o-grid", f"接单 {number}")
    assert "照片" in await rbot.say("o-grid", f"完成 {number} 灯修好了")

    def after_photo():
        media = rbot.sandbox.add_media(jpeg("green"), "image/jpeg")
        return rbot.send(callbacks.image("o-grid", media), "o-grid")

    await _repeat_after_crash(rbot, monkeypatch, "o-grid", number, after_photo)
    case = await Case.get(number=number)
    assert await CaseEvent.filter(case_id=case.id, action="resolve").count() == 1
