"""Earning rules: points from rules.json, facts that rule points out, caps, idempotency."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rewards import ledger
from rewards.errors import IdempotencyConflict, UnknownRule
from rewards.policy import Rules, load_rules
from rewards.rules import apply_rule, week_start
from rewards.verify import verify
from storage import clock
from tests.support.ledger import local_time, set_clock


def test_packaged_defaults():
    rules = load_rules()
    assert {name: r.points for name, r in rules.rules.items()} == {
        "report_confirmed_reporter": 10,
        "report_confirmed_supporter": 2,
        "wish_fulfilled_volunteer": 20,
        "rating_given": 1,
    }
    assert rules.daily_cap and rules.weekly_cap
    assert rules.expiry_enabled is False
    assert rules.pickup_valid_days == 7


def test_rules_file_is_checked():
    with pytest.raises(ValueError, match="unknown facts"):
        Rules.from_dict(
            {"facts": [], "rules": {"r": {"points": 1, "key": "k", "no_points_if": ["x"]}}}
        )
    with pytest.raises(ValueError, match="positive"):
        Rules.from_dict({"rules": {"r": {"points": 0, "key": "k"}}})


async def test_reporter_is_awarded_once_with_the_documented_key(db):
    result = await apply_rule("report_confirmed_reporter", "alice", "A1234")
    assert (result.key, result.amount, result.outcome) == (
        "report:A1234:closed:reporter",
        10,
        "awarded",
    )
    again = await apply_rule("report_confirmed_reporter", "alice", "A1234", {"reused_photo": False})
    assert again.replayed and again.amount == 10 and again.transfer_id == result.transfer_id
    assert (await ledger.balance("alice")).balance == 10
    [entry] = await ledger.entries("alice")
    assert (entry.kind, entry.rule, entry.reason) == ("award", "report_confirmed_reporter", "A1234")


async def test_each_supporter_gets_points(db):
    for who in ("s1", "s2", "s3"):
        r = await apply_rule("report_confirmed_supporter", who, "A1")
        assert r.key == f"report:A1:closed:supporter:{who}"
    assert [(await ledger.balance(w)).balance for w in ("s1", "s2", "s3")] == [2, 2, 2]


async def test_different_person_or_facts_under_one_key_is_a_conflict(db):
    await apply_rule("report_confirmed_reporter", "alice", "A1")
    with pytest.raises(IdempotencyConflict):
        await apply_rule("report_confirmed_reporter", "bob", "A1")
    with pytest.raises(IdempotencyConflict):
        await apply_rule("report_confirmed_reporter", "alice", "A1", {"case_hidden": True})


@pytest.mark.parametrize("fact", ["reused_photo", "case_rejected", "case_merged", "case_hidden"])
async def test_no_points_facts_are_recorded_as_such(db, fact):
    r = await apply_rule("report_confirmed_reporter", "alice", "A1", {fact: True})
    assert (r.amount, r.outcome, r.detail, r.transfer_id) == (0, "no_points", fact, None)
    assert (await apply_rule("report_confirmed_reporter", "alice", "A1", {fact: True})).replayed
    assert (await ledger.balance("alice")).balance == 0


async def test_unknown_rule_and_unknown_fact(db):
    with pytest.raises(UnknownRule):
        await apply_rule("nope", "alice", "A1")
    with pytest.raises(ValueError, match="unknown facts"):
        await apply_rule("rating_given", "alice", "A1", {"typo": True})


async def test_daily_cap_cuts_then_stops_and_resets_at_shanghai_midnight(db):
    set_clock(local_time(2026, 3, 4, 9, 0))  # a Wednesday
    amounts = [
        (await apply_rule("wish_fulfilled_volunteer", "vol", f"W{i}")).amount for i in range(4)
    ]
    assert amounts == [20, 20, 10, 0]  # daily cap 50
    capped = await apply_rule("wish_fulfilled_volunteer", "vol", "W3")
    assert (capped.outcome, capped.detail, capped.replayed) == ("capped", "daily_cap", True)

    set_clock(local_time(2026, 3, 4, 23, 59))
    assert (await apply_rule("wish_fulfilled_volunteer", "vol", "W5")).amount == 0
    set_clock(local_time(2026, 3, 5, 0, 1))  # 16:01 UTC the day before: still a new local day
    assert (await apply_rule("wish_fulfilled_volunteer", "vol", "W6")).amount == 20
    assert (await ledger.balance("vol")).balance == 70
    assert (await verify()).ok


async def test_weekly_cap_spans_days_and_resets_on_monday(db):
    set_clock(local_time(2026, 3, 2, 10, 0))  # Monday
    assert week_start(clock.now()) == local_time(2026, 3, 2)
    total = 0
    for day in range(4):
        set_clock(local_time(2026, 3, 2 + day, 10, 0))
        for i in range(3):
            total += (await apply_rule("wish_fulfilled_volunteer", "vol", f"W{day}-{i}")).amount
    assert total == 150  # 50 + 50 + 50 + 0 (weekly cap 150)
    last = await apply_rule("wish_fulfilled_volunteer", "vol", "late")
    assert (last.amount, last.detail) == (0, "weekly_cap")
    set_clock(local_time(2026, 3, 9, 0, 0) + timedelta(seconds=1))
    assert (await apply_rule("wish_fulfilled_volunteer", "vol", "next-week")).amount == 20


async def test_rule_cap(db):
    results = [await apply_rule("rating_given", "r", f"A{i}") for i in range(7)]
    assert [r.amount for r in results] == [1, 1, 1, 1, 1, 0, 0]
    assert results[-1].detail == "rule_daily_cap"


async def test_caps_count_only_rule_awards(db):
    await ledger.grant("alice", 500, "活动", "g1")
    assert (await apply_rule("wish_fulfilled_volunteer", "alice", "W1")).amount == 20
