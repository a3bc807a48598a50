"""Notices ride on the next passive reply: through the real app, as WeChat drives it."""

from __future__ import annotations

from datetime import timedelta

from bot import keys
from handlers import outbox
from handlers.reports import notify
from storage import clock
from storage.core.models import OutboxMessage, OutboxStatus
from tests.conftest import by_day
from tests.support.push import case


def _services(bot):
    return bot.client.server.app[keys.SERVICES]


async def _sweep(bot) -> outbox.SweepResult:
    services = _services(bot)
    return await outbox.deliver_due(services.messenger, kv=services.kv)


async def test_chatting_person_gets_the_notice_in_the_next_reply(bot):
    await bot.say("r1", "帮助")
    c = await case("A2001")
    await notify.resident_progress(c, 1, "您反映的问题 A2001 已受理")
    result = await _sweep(bot)
    assert (result.offered, result.sent) == (1, 0)  # chatting now: wait for their next message
    reply = await bot.say("r1", "帮助")
    assert "功能菜单" in reply and "A2001 已受理" in reply
    row = await OutboxMessage.get(openid="r1")
    assert (row.status, row.channel) == (OutboxStatus.SENT, "reply")
    assert bot.sandbox.messages_for("r1") == []  # no customer-service message on top
    assert "A2001" not in await bot.say("r1", "帮助")  # said once
    assert (await _sweep(bot)).sent == 0


async def test_offer_not_taken_goes_by_customer_service(bot):
    await bot.say("r2", "帮助")
    await notify.resident_progress(await case("A2002", reporter="r2"), 1, "A2002 已受理")
    assert (await _sweep(bot)).offered == 1
    clock.advance(outbox.OFFER_WAIT + timedelta(seconds=1))
    result = await _sweep(bot)
    assert result.channels["cs"] == 1
    [msg] = bot.sandbox.messages_for("r2")
    assert msg["payload"]["text"]["content"] == "A2002 已受理"
    assert "A2002" not in await bot.say("r2", "帮助")


async def test_held_notice_is_appended_when_they_write_again(bot):
    await bot.say("r3", "帮助")
    clock.advance(timedelta(minutes=5))  # no longer chatting
    by_day()  # nor in the quiet hours, where the pushes would wait
    bot.sandbox.cs_limit = 0  # and the customer-service quota is used up (45047)
    await notify.resident_progress(await case("A2003", reporter="r3"), 1, "A2003 已办结")
    await notify.resident_progress(await case("A2004", reporter="r3"), 2, "A2004 已受理")
    assert (await _sweep(bot)).held == 2
    reply = await bot.say("r3", "帮助")
    assert "A2003 已办结" in reply and "A2004 已受理" in reply
    assert await OutboxMessage.filter(openid="r3", status=OutboxStatus.SENT,
                                      channel="reply").count() == 2
    bot.sandbox.cs_limit = 5
    assert (await _sweep(bot)).sent == 0 and bot.sandbox.messages_for("r3") == []


async def test_nothing_pending_costs_no_database_query(bot, monkeypatch):
    from handlers.push import leases as claims

    calls = []
    original = claims.claim_person
    monkeypatch.setattr(claims, "claim_person", lambda *a, **k: calls.append(a) or original(*a))
    await notify.resident_progress(await case("A2005", reporter="r4"), 1, "A2005 已受理")
    await bot.say("r4", "帮助")  # a pending row but no flag yet: the sweep has not seen it
    assert calls == []
