"""The outbox: written before sending, delivered once, held on refusal, safe across restarts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest

from bot.config import SANDBOX_APPID, SANDBOX_SECRET
from bot.scheduler import Lease
from bot.wechat.client import WeChatClient
from bot.wechat.messenger import WeChatMessenger
from bot.wechat.retry import RetryPolicy
from handlers import outbox
from storage import clock
from storage.core.models import OutboxMessage, OutboxStatus
from tests.support.sqlcount import count_statements


@pytest.fixture
async def messenger(sandbox, kv):
    async with aiohttp.ClientSession() as http:
        client = WeChatClient(http, kv, SANDBOX_APPID, SANDBOX_SECRET, sandbox.url,
                              retry=RetryPolicy(attempts=1, base_delay=0.01))
        yield WeChatMessenger(client)


def _sent_to(sandbox, openid):
    return [m for m in sandbox.state.sent if m["openid"] == openid]


async def test_enqueue_is_idempotent(db):
    a = await outbox.enqueue("o1", "你好", key="k1")
    b = await outbox.enqueue("o1", "另一条", key="k1")
    assert a.id == b.id and await OutboxMessage.all().count() == 1


async def test_rows_enqueued_together_are_one_insert(db):
    """outbox.together(): one INSERT for every row of the block, each still idempotent by its
    key (taken before, or twice in the block: the first one stands); ids set at the end."""
    first = await outbox.enqueue("o1", "旧的", key="k-taken")
    with count_statements() as record:
        async with outbox.together():
            a = await outbox.enqueue("o1", "一", key="k-a")
            b = await outbox.enqueue_image("o2", 7, key="k-b")
            again = await outbox.enqueue("o1", "新的", key="k-taken")
            twice = await outbox.enqueue("o1", "二", key="k-a")
            assert a.id is None and not record.sql  # nothing written yet
    assert len(record) == 1, record.sql
    rows = {r.key: r for r in await OutboxMessage.all()}
    assert set(rows) == {"k-taken", "k-a", "k-b"}
    assert rows["k-taken"].payload["text"] == "旧的" and rows["k-taken"].id == first.id
    assert rows["k-a"].payload["text"] == "一" and (a.id, b.id) == (rows["k-a"].id,
                                                                     rows["k-b"].id)
    assert rows["k-b"].kind == "image" and rows["k-b"].payload == {"photo_id": 7}
    assert again.id is None and twice.id is None  # skipped: the first row of the key stands


async def test_nothing_enqueued_together_is_written_if_the_block_raises(db):
    with pytest.raises(RuntimeError):
        async with outbox.together():
            await outbox.enqueue("o1", "一", key="k-a")
            raise RuntimeError("the change failed")
    assert await OutboxMessage.all().count() == 0
    # The block is over: the next enqueue writes at once.
    assert (await outbox.enqueue("o1", "一", key="k-a")).id is not None


async def test_delivers_inside_the_window(db, sandbox, messenger):
    sandbox.state.observe_inbound("o1")
    await outbox.enqueue("o1", "您的问题已受理", key="k1")
    result = await outbox.deliver_due(messenger)
    assert result.sent == 1
    assert _sent_to(sandbox, "o1")[0]["payload"]["text"]["content"] == "您的问题已受理"
    assert (await OutboxMessage.get(key="k1")).status is OutboxStatus.SENT
    # A second sweep sends nothing again.
    assert (await outbox.deliver_due(messenger)).sent == 0
    assert len(_sent_to(sandbox, "o1")) == 1


async def test_refusal_is_held_not_retried(db, sandbox, messenger):
    # Never wrote to us: 45015, out of the customer-service window.
    await outbox.enqueue("o-quiet", "进度通知", key="k2")
    result = await outbox.deliver_due(messenger)
    assert result.held == 1 and result.sent == 0
    calls = sandbox.state.calls["/cgi-bin/message/custom/send"]
    for _ in range(3):
        await outbox.deliver_due(messenger)
    assert sandbox.state.calls["/cgi-bin/message/custom/send"] == calls  # no retry storm
    row = await OutboxMessage.get(key="k2")
    assert row.status is OutboxStatus.PENDING and "45015" in row.last_error
    # The person writes again: held messages go out.
    sandbox.state.observe_inbound("o-quiet")
    assert await outbox.release_held("o-quiet") == 1
    assert (await outbox.deliver_due(messenger)).sent == 1


async def test_transient_error_backs_off_then_succeeds(db, sandbox, messenger):
    sandbox.state.observe_inbound("o2")
    sandbox.state.fail_next("/cgi-bin/message/custom/send", -1)
    await outbox.enqueue("o2", "稍后重试", key="k3")
    assert (await outbox.deliver_due(messenger)).retried == 1
    assert (await outbox.deliver_due(messenger)).sent == 0  # not due yet
    clock.advance(timedelta(seconds=30))
    assert (await outbox.deliver_due(messenger)).sent == 1
    assert (await OutboxMessage.get(key="k3")).attempts == 2


async def test_concurrent_sweepers_send_each_message_once(db, sandbox, messenger):
    for i in range(20):
        sandbox.state.observe_inbound(f"p{i}")
        await outbox.enqueue(f"p{i}", f"消息{i}", key=f"c{i}")
    results = await asyncio.gather(*(outbox.deliver_due(messenger) for _ in range(4)))
    assert sum(r.sent for r in results) == 20
    assert len(sandbox.state.sent) == 20


async def test_claimed_but_unsent_row_is_delivered_after_a_restart(db, sandbox, messenger):
    sandbox.state.observe_inbound("o3")
    row = await outbox.enqueue("o3", "重启后送达", key="k4")
    assert await outbox._claim(row.id)  # a sweeper claimed it, then its process died
    assert (await outbox.deliver_due(messenger)).sent == 0
    clock.advance(outbox.CLAIM_LEASE + timedelta(seconds=1))
    assert (await outbox.deliver_due(messenger)).sent == 1
    assert len(_sent_to(sandbox, "o3")) == 1


async def test_scheduler_lease_has_one_holder(kv):
    a, b = Lease(kv, "scheduler", ttl_ms=300), Lease(kv, "scheduler", ttl_ms=300)
    assert await a.hold() and not await b.hold()
    assert await a.hold()  # renewal by the holder
    await a.release()
    assert await b.hold() and not await a.hold()
    await asyncio.sleep(0.4)  # the holder died: its lease runs out
    assert await a.hold()
