"""Progress pushes choose a channel per person: customer service, subscribe, template, held."""

from __future__ import annotations

import pytest

from handlers import outbox
from handlers.push import grants
from storage.core.models import OutboxMessage, OutboxStatus, SubscribeGrant
from tests.support.push import (
    CUSTOM,
    SUB,
    SUBSCRIBE,
    TEMPLATE,
    content,
    messenger_with_all_channels,
    sent,
)


@pytest.fixture
async def full_messenger(sandbox, kv):
    async with messenger_with_all_channels(sandbox, kv) as messenger:
        yield messenger


async def test_fallback_window_then_grant_then_template_then_held(db, sandbox, full_messenger):
    state = sandbox.state
    await outbox.record_subscribe_grant("o1", SUB, 1)
    state.grant_subscribe("o1", SUB, 1)
    # 1. Out of the 48 h window (45015) -> the one subscribe grant.
    await outbox.enqueue("o1", "您反映的问题 A1 已受理", key="k1")
    result = await outbox.deliver_due(full_messenger)
    assert (result.sent, result.channels["subscribe"]) == (1, 1)
    [msg] = sent(sandbox, "o1")
    assert msg["endpoint"] == SUBSCRIBE and "已受理" in content(msg)
    assert await grants.remaining("o1", SUB) == 0 and state.grants["o1", SUB] == 0
    assert (await OutboxMessage.get(key="k1")).channel == "subscribe"
    # 2. Grant used up -> the template message.
    await outbox.enqueue("o1", "您反映的问题 A1 已办结", key="k2")
    assert (await outbox.deliver_due(full_messenger)).channels["template"] == 1
    assert sent(sandbox, "o1")[-1]["endpoint"] == TEMPLATE
    # 3. Unfollowed: template refused (43004) too -> held, each channel tried once.
    state.set_following("o1", False)
    await outbox.enqueue("o1", "您反映的问题 A1 已完结", key="k3")
    calls = dict(state.calls)
    assert (await outbox.deliver_due(full_messenger)).held == 1
    assert state.calls[CUSTOM] == calls[CUSTOM] + 1
    assert state.calls[TEMPLATE] == calls[TEMPLATE] + 1
    assert state.calls[SUBSCRIBE] == calls[SUBSCRIBE]  # no grant: not even tried
    row = await OutboxMessage.get(key="k3")
    assert row.status is OutboxStatus.PENDING
    assert "45015" in row.last_error and "43004" in row.last_error
    for _ in range(3):  # quota errors are never retried
        await outbox.deliver_due(full_messenger)
    assert state.calls[TEMPLATE] == calls[TEMPLATE] + 1
    # 4. They write again: held message goes out by customer service.
    state.observe_inbound("o1")
    assert await outbox.release_held("o1") == 1
    assert (await outbox.deliver_due(full_messenger)).channels["cs"] == 1
    assert content(sent(sandbox, "o1", CUSTOM)[0]) == "您反映的问题 A1 已完结"


async def test_customer_service_limit_falls_back(db, sandbox, full_messenger):
    sandbox.state.observe_inbound("o2")
    sandbox.state.cs_limit = 0  # 45047: too many since their last message
    await outbox.enqueue("o2", "进度", key="k1")
    result = await outbox.deliver_due(full_messenger)
    assert result.channels["template"] == 1 and sent(sandbox, "o2", CUSTOM) == []


async def test_grants_are_counted_and_wechat_wins(db, sandbox, full_messenger):
    assert await outbox.record_subscribe_grant("o3", SUB, 2) == 2
    assert await outbox.record_subscribe_grant("o3", SUB, 1) == 3
    assert await SubscribeGrant.filter(openid="o3").count() == 1
    sandbox.state.grant_subscribe("o3", SUB, 1)  # WeChat knows of one only
    for i in range(3):
        await outbox.enqueue("o3", f"进度{i}", key=f"g{i}")
        await outbox.deliver_due(full_messenger)
    endpoints = [m["endpoint"] for m in sent(sandbox, "o3")]
    # First by subscribe; the second got 43101, so our count is reset and the template is used.
    assert endpoints == [SUBSCRIBE, TEMPLATE, TEMPLATE]
    assert await grants.remaining("o3", SUB) == 0


async def test_transient_error_on_subscribe_gives_the_grant_back(db, sandbox, full_messenger):
    await outbox.record_subscribe_grant("o4", SUB, 1)
    sandbox.state.grant_subscribe("o4", SUB, 1)
    sandbox.state.fail_next(SUBSCRIBE, -1)
    await outbox.enqueue("o4", "进度", key="k1")
    assert (await outbox.deliver_due(full_messenger)).retried == 1
    assert await grants.remaining("o4", SUB) == 1
    assert sent(sandbox, "o4") == []

