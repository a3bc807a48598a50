"""WeChat's customer-service budget: 5 messages within 48 h of the person's last message,
spent on their oldest pushes; the rest take the next channel or wait, none lost or doubled."""

from __future__ import annotations

from datetime import timedelta

from bot import keys
from handlers import outbox
from handlers.push import budget
from storage import clock
from storage.core.models import OutboxMessage, OutboxStatus
from tests.conftest import by_day
from tests.support.push import CUSTOM, TEMPLATE, TPL, content, sent


async def _writes_then_waits(bot, openid: str) -> None:
    """The person writes (WeChat's window opens), then is quiet long enough that pushes no
    longer wait for a passive reply."""
    await bot.say(openid, "帮助")
    clock.advance(timedelta(minutes=5))
    by_day()  # not into the quiet hours, where the pushes would wait (the window stays open)


def _messenger(bot):
    return bot.client.app[keys.SERVICES].messenger


def _kv(bot):
    return bot.client.app[keys.KV_STORE]


async def test_sixth_message_in_a_window_takes_the_next_channel(make_bot, sandbox):
    sandbox.state.templates.add(TPL)
    bot = await make_bot(template_progress=TPL)
    await _writes_then_waits(bot, "o-b")
    for i in range(7):
        await outbox.enqueue("o-b", f"进度{i}", key=f"k{i}")
    result = await outbox.deliver_due(_messenger(bot), kv=_kv(bot))
    assert (result.sent, result.channels["cs"], result.channels["template"]) == (7, 5, 2)
    # The oldest five by customer service, in order; WeChat was never asked for a sixth.
    assert [content(m) for m in sent(sandbox, "o-b", CUSTOM)] == [f"进度{i}" for i in range(5)]
    assert sandbox.state.calls[CUSTOM] == 5
    assert [content(m).split()[2] for m in sent(sandbox, "o-b", TEMPLATE)] == ["进度5", "进度6"]
    rows = await OutboxMessage.all().order_by("id")
    assert [r.channel for r in rows] == ["cs"] * 5 + ["template"] * 2
    assert all(r.status is OutboxStatus.SENT for r in rows)
    assert len(sent(sandbox, "o-b")) == 7  # each once
    # Writing again opens a new window with a new budget.
    await _writes_then_waits(bot, "o-b")
    await outbox.enqueue("o-b", "进度7", key="k7")
    assert (await outbox.deliver_due(_messenger(bot), kv=_kv(bot))).channels["cs"] == 1


async def test_without_another_channel_the_rest_wait_for_their_next_message(make_bot, sandbox):
    bot = await make_bot(template_progress=None)  # no template, no subscribe grant
    await _writes_then_waits(bot, "o-w")
    for i in range(6):
        await outbox.enqueue("o-w", f"进度{i}", key=f"k{i}")
    result = await outbox.deliver_due(_messenger(bot), kv=_kv(bot))
    assert (result.channels["cs"], result.held) == (5, 1)
    held = await OutboxMessage.get(key="k5")
    assert held.status is OutboxStatus.PENDING and "45047" in held.last_error
    assert await outbox.deliver_due(_messenger(bot), kv=_kv(bot)) == type(result)()  # waits
    reply = await bot.say("o-w", "你好")  # the next message: with the reply or right after
    clock.advance(timedelta(minutes=5))
    await outbox.deliver_due(_messenger(bot), kv=_kv(bot))
    assert (await OutboxMessage.get(key="k5")).status is OutboxStatus.SENT
    delivered = [content(m) for m in sent(sandbox, "o-w", CUSTOM)] + [reply or ""]
    assert sum("进度5" in t for t in delivered) == 1


async def test_wechat_counting_first_is_believed(make_bot, sandbox):
    sandbox.state.templates.add(TPL)
    bot = await make_bot(template_progress=TPL)
    await _writes_then_waits(bot, "o-c")
    sandbox.state.cs_limit = 2  # WeChat's count is lower than ours (messages sent elsewhere)
    for i in range(4):
        await outbox.enqueue("o-c", f"进度{i}", key=f"k{i}")
    result = await outbox.deliver_due(_messenger(bot), kv=_kv(bot))
    assert (result.channels["cs"], result.channels["template"]) == (2, 2)
    assert sandbox.state.calls[CUSTOM] == 3  # one 45047, then no more asking
    assert await budget.refusal(_kv(bot), "o-c") == budget.OUT_OF_COUNT


async def test_out_of_the_window_costs_no_round_trip(make_bot, sandbox):
    sandbox.state.templates.add(TPL)
    bot = await make_bot(template_progress=TPL)
    await _writes_then_waits(bot, "o-o")
    clock.advance(timedelta(hours=49))
    by_day()  # 49 h on from an evening is in the quiet hours, where the push would wait
    await outbox.enqueue("o-o", "进度", key="k1")
    assert (await outbox.deliver_due(_messenger(bot), kv=_kv(bot))).channels["template"] == 1
    assert sandbox.state.calls[CUSTOM] == 0


async def test_a_person_who_never_wrote_costs_one_refused_call(make_bot, sandbox):
    """No window known (a staff member who never wrote): WeChat is asked once, its 45015 is
    remembered, later pushes go straight to the template - until the person writes."""
    sandbox.state.templates.add(TPL)
    bot = await make_bot(template_progress=TPL)
    for i in range(3):
        await outbox.enqueue("o-n", f"进度{i}", key=f"k{i}")
        result = await outbox.deliver_due(_messenger(bot), kv=_kv(bot))
        assert result.channels["template"] == 1
    assert sandbox.state.calls[CUSTOM] == 1
    assert await budget.refusal(_kv(bot), "o-n") == budget.OUT_OF_WINDOW
    await _writes_then_waits(bot, "o-n")  # they write: the window is open, the memory moot
    assert await budget.refusal(_kv(bot), "o-n") is None
    await outbox.enqueue("o-n", "进度3", key="k3")
    assert (await outbox.deliver_due(_messenger(bot), kv=_kv(bot))).channels["cs"] == 1
