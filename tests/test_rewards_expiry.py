"""Points expiry: off by default; oldest first; a reminder 30 days before; sweep once."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rewards import ledger
from rewards.expiry import expires_at, expiry_reminders, run_expiry_sweep
from rewards.policy import load_rules
from rewards.verify import verify
from tests.support.ledger import local_time, set_clock


@pytest.fixture
def on():
    return replace(load_rules(), expiry_enabled=True)


def test_points_expire_at_the_end_of_the_following_year():
    assert expires_at(2025) == local_time(2027, 1, 1)


async def test_off_by_default(db):
    set_clock(local_time(2024, 5, 1))
    await ledger.grant("alice", 10, "x", "g")
    set_clock(local_time(2026, 12, 20))
    assert await expiry_reminders() == []
    set_clock(local_time(2027, 6, 1))
    assert await run_expiry_sweep() == []
    assert (await ledger.balance("alice")).balance == 10


async def test_oldest_points_expire_first_with_a_reminder(db, on):
    set_clock(local_time(2025, 3, 1))
    await ledger.grant("alice", 30, "x", "g2025")
    set_clock(local_time(2026, 6, 1))
    await ledger.grant("alice", 20, "x", "g2026")
    await ledger.spend("alice", 10, "s1")  # from 2025's points: 20 of them left

    set_clock(local_time(2026, 11, 15))
    assert await expiry_reminders(rules=on) == []  # more than 30 days before
    set_clock(local_time(2026, 12, 2))
    [reminder] = await expiry_reminders(rules=on)
    assert (reminder.openid, reminder.amount, reminder.expires_at) == (
        "alice",
        20,
        local_time(2027, 1, 1),
    )
    assert await expiry_reminders(rules=on) == []  # once per person and date

    set_clock(local_time(2026, 12, 31, 23, 59))
    assert await run_expiry_sweep(rules=on) == []
    set_clock(local_time(2027, 1, 1, 0, 0, 1))
    [expired] = await run_expiry_sweep(rules=on)
    assert (expired.openid, expired.amount) == ("alice", 20)
    assert await run_expiry_sweep(rules=on) == []
    assert (await ledger.balance("alice")).balance == 20
    [entry, *_] = await ledger.entries("alice")
    assert (entry.kind, entry.amount) == ("expiry", -20)
    assert (await verify()).ok


async def test_reserved_points_count_as_spent_until_voided(db, on):
    set_clock(local_time(2025, 5, 1))
    await ledger.grant("bob", 50, "x", "g")
    set_clock(local_time(2026, 5, 1))
    held = await ledger.reserve("bob", 40, "r")
    set_clock(local_time(2027, 1, 2))
    [expired] = await run_expiry_sweep(rules=on)
    assert expired.amount == 10
    await ledger.void(held.id)
    [expired] = await run_expiry_sweep(rules=on)
    assert expired.amount == 40
    assert (await ledger.balance("bob")).balance == 0
    assert (await verify()).ok


async def test_a_reversed_credit_leaves_older_points_alone(db, on):
    set_clock(local_time(2025, 5, 1))
    await ledger.grant("carol", 10, "x", "c2025")
    set_clock(local_time(2026, 5, 1))
    await ledger.grant("carol", 10, "x", "c2026")
    await ledger.reverse("c2026", "granted by mistake")
    set_clock(local_time(2027, 1, 2))
    [expired] = await run_expiry_sweep(rules=on)
    assert expired.amount == 10
    assert (await ledger.balance("carol")).balance == 0
