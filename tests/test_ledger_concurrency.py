"""Concurrent writers on PostgreSQL (a real connection pool): invariants hold."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict

from rewards import ledger
from rewards.errors import InsufficientPoints
from rewards.verify import verify
from storage.ledger.models import Account, Transfer
from tests.support.ledger import pg_pool  # noqa: F401 - fixture


async def test_first_use_of_a_wallet_by_concurrent_requests(pg_pool):  # noqa: F811
    # Awards and spends hit two wallets that do not exist yet, all at once.
    calls = []
    for i in range(100):
        calls.append(ledger.award("fresh", 3, f"a{i}", "x"))
        calls.append(ledger.spend("fresh", 2, f"s{i}"))
        calls.append(ledger.spend("empty", 1, f"e{i}"))
    results = await asyncio.gather(*calls, return_exceptions=True)
    awards, spends, empties = results[0::3], results[1::3], results[2::3]
    assert not any(isinstance(r, BaseException) for r in awards)
    assert all(isinstance(r, InsufficientPoints) for r in empties)
    spent = [r for r in spends if not isinstance(r, BaseException)]
    assert all(isinstance(r, InsufficientPoints) for r in spends if r not in spent)
    assert await Account.filter(code="points:wallet:fresh").count() == 1
    assert await Account.filter(code="points:wallet:empty").count() <= 1
    assert (await ledger.balance("fresh")).balance == 300 - 2 * len(spent) >= 0
    assert (await ledger.balance("empty")).balance == 0
    assert (await verify()).ok


async def test_spends_racing_on_one_wallet_never_overdraw(pg_pool):  # noqa: F811
    await ledger.grant("alice", 100, "x", "g")
    results = await asyncio.gather(
        *(ledger.spend("alice", 7, f"s{i}") for i in range(50)), return_exceptions=True
    )
    ok = [r for r in results if not isinstance(r, BaseException)]
    assert len(ok) == 14  # 14 * 7 = 98
    assert all(isinstance(r, InsufficientPoints) for r in results if r not in ok)
    assert await ledger.balance("alice") == ledger.Balance("alice", 2, 0, 2)
    assert (await verify()).ok


async def test_a_thousand_concurrent_awards_and_spends(pg_pool):  # noqa: F811, C901 - one scenario read top to bottom
    rng = random.Random(4)
    people = [f"p{i}" for i in range(40)]
    for p in people:
        await ledger.grant(p, 20, "start", f"start:{p}")

    ops = []  # (key, kind, person, amount)
    for i in range(1000):
        if ops and rng.random() < 0.1:
            ops.append(rng.choice(ops))  # a concurrent replay of the same request
        elif rng.random() < 0.5:
            ops.append((f"a{i}", "award", rng.choice(people), rng.randint(1, 15)))
        else:
            ops.append((f"s{i}", "spend", rng.choice(people), rng.randint(1, 25)))
    rng.shuffle(ops)

    def call(op):
        key, kind, person, amount = op
        if kind == "award":
            return ledger.award(person, amount, key, "concurrency")
        return ledger.spend(person, amount, key, "concurrency")

    results = await asyncio.gather(*(call(op) for op in ops), return_exceptions=True)

    ids_by_key = defaultdict(set)
    for op, result in zip(ops, results, strict=True):
        if isinstance(result, BaseException):
            assert isinstance(result, InsufficientPoints), repr(result)
        else:
            ids_by_key[op[0]].add(result.id)
    assert all(len(ids) == 1 for ids in ids_by_key.values())  # one effect per key

    expected = dict.fromkeys(people, 20)
    for _key, kind, person, amount in {op for op in ops if op[0] in ids_by_key}:
        expected[person] += amount if kind == "award" else -amount
    for p in people:
        bal = await ledger.balance(p)
        assert bal.balance == expected[p] >= 0
    assert await Transfer.all().count() == len(people) + len(ids_by_key)
    report = await verify()
    assert report.ok, report.problems
