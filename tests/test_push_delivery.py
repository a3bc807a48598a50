"""Coalescing, quiet hours and restarts in the middle of delivering the outbox."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from handlers import outbox
from handlers.push import leases as claims
from handlers.reports import notify
from storage import clock
from storage.core.models import OutboxMessage, OutboxStatus
from storage.reports.models import CaseStatus, Supporter
from tests.support.push import (
    CUSTOM,
    advance_to_local,
    case,
    content,
    messenger_with_all_channels,
    sent,
)


@pytest.fixture
async def full_messenger(sandbox, kv):
    async with messenger_with_all_channels(sandbox, kv) as messenger:
        yield messenger


async def test_changes_to_one_case_coalesce_per_person(db, sandbox, full_messenger):
    for who in ("r1", "s1", "r2"):
        sandbox.state.observe_inbound(who)
    c = await case("A1001")
    await Supporter.create(case=c, openid="s1")
    other = await case("A1002", reporter="r2")
    await notify.resident_progress(c, 1, "A1001 已受理")
    c.status = CaseStatus.IN_PROGRESS
    await notify.resident_progress(c, 2, "A1001 正在处理")
    await notify.resident_progress(c, 2, "A1001 正在处理")  # a repeat: idempotent
    await notify.resident_progress(other, 3, "A1002 已受理")
    assert await OutboxMessage.all().count() == 5
    result = await outbox.deliver_due(full_messenger)
    assert result.sent == 3  # reporter, supporter, the other case's reporter
    for who in ("r1", "s1"):
        [msg] = sent(sandbox, who)
        text = content(msg)
        assert "A1001 已受理" in text and "A1001 正在处理" in text and "处理中" in text
        assert text.count("A1001 正在处理") == 1
    assert content(sent(sandbox, "r2")[0]) == "A1002 已受理"
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 5
    assert (await outbox.deliver_due(full_messenger)).sent == 0


async def test_a_row_being_sent_is_not_coalesced_into(db, sandbox, full_messenger):
    sandbox.state.observe_inbound("r1")
    c = await case("A1003")
    await notify.resident_progress(c, 1, "第一条")
    first = await OutboxMessage.get(openid="r1")
    token, rows = await claims.claim_group(first)  # a sender holds it right now
    await notify.resident_progress(c, 2, "第二条")
    assert (await outbox.deliver_due(full_messenger)).sent == 1
    assert content(sent(sandbox, "r1")[0]) == "第二条"
    await claims.finish(rows, token, status=OutboxStatus.SENT)


async def test_quiet_hours_hold_non_urgent_pushes_until_seven(db, sandbox, full_messenger):
    sandbox.state.observe_inbound("q1")
    advance_to_local(21, 59)
    await outbox.enqueue("q1", "白天写入", key="day")  # due now, the sweep runs after 22:00
    clock.advance(timedelta(minutes=2))
    sandbox.state.observe_inbound("q1")
    await outbox.enqueue("q1", "夜里写入", key="night")
    await outbox.enqueue("q1", "紧急：停水", key="urgent", urgent=True)
    result = await outbox.deliver_due(full_messenger)
    assert (result.sent, result.quiet) == (1, 1)
    assert [content(m) for m in sent(sandbox, "q1")] == ["紧急：停水"]
    seven = clock.local().replace(hour=7, minute=0, second=0, microsecond=0) + timedelta(days=1)
    for key in ("day", "night"):
        assert clock.local((await OutboxMessage.get(key=key)).next_attempt_at) == seven
    advance_to_local(6, 59)
    assert (await outbox.deliver_due(full_messenger)).sent == 0
    clock.advance(timedelta(minutes=1, seconds=1))
    sandbox.state.observe_inbound("q1")
    assert (await outbox.deliver_due(full_messenger)).sent == 2
    assert len(sent(sandbox, "q1")) == 3


class DiesMidway:
    """Delivers ``n`` messages, then hangs like a process about to be killed."""

    def __init__(self, inner, n: int) -> None:
        self.inner, self.left, self.hung = inner, n, asyncio.Event()

    async def send_text(self, openid: str, text: str) -> None:
        if self.left <= 0:
            self.hung.set()
            await asyncio.Event().wait()
        self.left -= 1
        await self.inner.send_text(openid, text)


async def test_restart_in_the_middle_of_delivery_loses_nothing_sends_nothing_twice(
        db, sandbox, full_messenger):
    for i in range(12):
        sandbox.state.observe_inbound(f"p{i}")
        await outbox.enqueue(f"p{i}", f"消息{i}", key=f"m{i}")
    dying = DiesMidway(full_messenger, 5)
    sweep = asyncio.create_task(outbox.deliver_due(dying, concurrency=3))
    await asyncio.wait_for(dying.hung.wait(), 10)
    await asyncio.sleep(0.05)
    sweep.cancel()  # the process is killed
    await asyncio.gather(sweep, return_exceptions=True)
    assert len(sandbox.state.sent) == 5
    held = await OutboxMessage.filter(status=OutboxStatus.PENDING, claim__isnull=False).count()
    assert held >= 1  # claimed by the dead process
    # The restarted process sends what nobody holds, then the rest once the lease runs out.
    first = await outbox.deliver_due(full_messenger)
    assert first.sent == 12 - 5 - held
    clock.advance(outbox.CLAIM_LEASE + timedelta(seconds=1))
    assert (await outbox.deliver_due(full_messenger)).sent == held
    assert sorted(m["openid"] for m in sandbox.state.sent) == sorted(f"p{i}" for i in range(12))
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 12
    assert len(sent(sandbox, "p0", CUSTOM)) == 1
