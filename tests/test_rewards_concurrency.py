"""Concurrent redemptions and pickups on PostgreSQL (a real connection pool)."""

from __future__ import annotations

import asyncio

from rewards import catalogue, ledger
from rewards.errors import CodeUsed, OutOfStock, OverLimit
from rewards.redemption import pickup, redeem
from rewards.verify import verify
from storage.ledger.models import Redemption
from tests.support.ledger import pg_pool  # noqa: F401 - fixture


async def test_two_hundred_residents_and_the_last_unit(pg_pool):  # noqa: F811
    last = await catalogue.add_reward("最后一把雨伞", 10, 1)
    residents = [f"r{i}" for i in range(200)]
    for r in residents:
        await ledger.grant(r, 10, "x", f"g:{r}")
    results = await asyncio.gather(
        *(redeem(r, last.id, f"m:{r}") for r in residents), return_exceptions=True
    )
    winners = [x for x in results if not isinstance(x, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(x, OutOfStock) for x in results if x not in winners)
    assert (await catalogue.get_reward(last.id)).stock == 0
    assert sum([(await ledger.balance(r)).reserved for r in residents]) == 10
    assert (await verify()).ok


async def test_one_person_many_taps_with_a_limit_of_one(pg_pool):  # noqa: F811
    bag = await catalogue.add_reward("环保袋", 5, 50, per_person_limit=1)
    await ledger.grant("alice", 100, "x", "g")
    results = await asyncio.gather(
        *(redeem("alice", bag.id, f"m{i}") for i in range(20)), return_exceptions=True
    )
    winners = [x for x in results if not isinstance(x, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(x, OverLimit) for x in results if x not in winners)
    assert (await ledger.balance("alice")).reserved == 5


async def test_the_same_request_delivered_many_times_at_once(pg_pool):  # noqa: F811
    bag = await catalogue.add_reward("环保袋", 5, 50)
    await ledger.grant("alice", 100, "x", "g")
    results = await asyncio.gather(*(redeem("alice", bag.id, "msg-123") for _ in range(20)))
    assert len({r.id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert await Redemption.all().count() == 1
    assert (await ledger.balance("alice")).reserved == 5


async def test_one_code_picked_up_at_two_counters(pg_pool):  # noqa: F811
    bag = await catalogue.add_reward("环保袋", 5, 50)
    await ledger.grant("alice", 100, "x", "g")
    r = await redeem("alice", bag.id, "m1")
    results = await asyncio.gather(
        *(pickup(r.code, f"staff{i}") for i in range(10)), return_exceptions=True
    )
    done = [x for x in results if not isinstance(x, BaseException)]
    assert len(done) == 1
    assert all(isinstance(x, CodeUsed) for x in results if x not in done)
    assert await ledger.balance("alice") == ledger.Balance("alice", 95, 0, 95)
    assert (await verify()).ok
