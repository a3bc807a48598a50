"""Property tests: random sequences of ledger and redemption operations, with replays.

A small model predicts which operations succeed; after every sequence the ledger must
verify (chain, cached balances = sums of entries, reservations = pending debits), no wallet
or shelf is below zero, and replaying every successful keyed write changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewards import catalogue, ledger
from rewards.errors import (
    InsufficientPoints,
    NotReversible,
    OutOfStock,
    OverLimit,
    RewardsError,
)
from rewards.redemption import expire_reservations, pickup, redeem
from rewards.verify import verify
from storage import clock
from storage.ledger.models import Account
from tests.support.ledger import truncate_ledger

PEOPLE = ("ann", "ben", "cai")
REWARDS = ((5, 2, None), (12, 1, 1))  # (cost, initial stock, per-person limit)

person = st.sampled_from(PEOPLE)
amount = st.integers(min_value=1, max_value=30)
index = st.integers(min_value=0, max_value=50)
operation = st.one_of(
    st.tuples(st.just("grant"), person, amount),
    st.tuples(st.just("award"), person, amount),
    st.tuples(st.just("spend"), person, amount),
    st.tuples(st.just("reserve"), person, amount),
    st.tuples(st.just("post"), index),
    st.tuples(st.just("void"), index),
    st.tuples(st.just("reverse"), index),
    st.tuples(st.just("redeem"), person, st.integers(0, len(REWARDS) - 1)),
    st.tuples(st.just("pickup"), index),
    st.tuples(st.just("restock"), st.integers(0, len(REWARDS) - 1), st.integers(1, 3)),
    st.tuples(st.just("expire")),
)


@dataclass
class Model:
    wallet: dict = field(default_factory=lambda: {p: [0, 0] for p in PEOPLE})  # [bal, res]
    shelf: list = field(default_factory=list)  # [bal, res] per reward
    held: list = field(default_factory=list)  # [transfer_id, person, amount, status]
    redemptions: list = field(default_factory=list)  # [view, reward_index, status]
    reversible: list = field(default_factory=list)  # [key, kind, person, amount, reversed]
    replays: list = field(default_factory=list)  # (callable, expected id)
    reward_ids: list = field(default_factory=list)

    def available(self, who: str) -> int:
        return self.wallet[who][0] - self.wallet[who][1]


async def _apply(m: Model, op: tuple, n: int) -> None:  # noqa: C901 - the model: one branch per ledger operation
    kind = op[0]
    key = f"k{n}"
    if kind in ("grant", "award"):
        _, who, amt = op
        call = (
            (lambda: ledger.grant(who, amt, "prop", key))
            if kind == "grant"
            else (lambda: ledger.award(who, amt, key, "prop"))
        )
        t = await call()
        m.wallet[who][0] += amt
        m.reversible.append([key, kind, who, amt, False])
        m.replays.append((call, t.id))
    elif kind in ("spend", "reserve"):
        _, who, amt = op
        fn = ledger.spend if kind == "spend" else ledger.reserve
        if m.available(who) < amt:
            try:
                await fn(who, amt, key)
            except InsufficientPoints:
                return
            raise AssertionError("overdraw allowed")
        t = await fn(who, amt, key)
        m.replays.append((lambda: fn(who, amt, key), t.id))
        if kind == "spend":
            m.wallet[who][0] -= amt
            m.reversible.append([key, kind, who, amt, False])
        else:
            m.wallet[who][1] += amt
            m.held.append([t.id, who, amt, "pending"])
    elif kind in ("post", "void") and m.held:
        h = m.held[op[1] % len(m.held)]
        fn = ledger.post if kind == "post" else ledger.void
        if h[3] != "pending":
            try:
                result = await fn(h[0])
            except RewardsError as exc:
                assert exc.code == "transfer_not_pending"
                return
            assert result.replayed and result.status == h[3]
            return
        await fn(h[0])
        who, amt = h[1], h[2]
        m.wallet[who][1] -= amt
        if kind == "post":
            m.wallet[who][0] -= amt
        h[3] = "posted" if kind == "post" else "voided"
    elif kind == "reverse" and m.reversible:
        r = m.reversible[op[1] % len(m.reversible)]
        rkey, rkind, who, amt, done = r
        credit_back = rkind == "spend"
        if done:
            try:
                await ledger.reverse(rkey, "prop", reversal_key=f"other-{key}")
            except NotReversible:
                return
            raise AssertionError("reversed twice")
        if not credit_back and m.available(who) < amt:
            try:
                await ledger.reverse(rkey, "prop")
            except InsufficientPoints:
                return
            raise AssertionError("reversal overdrew")
        t = await ledger.reverse(rkey, "prop")
        m.replays.append((lambda: ledger.reverse(rkey, "prop"), t.id))
        m.wallet[who][0] += amt if credit_back else -amt
        r[4] = True
    elif kind == "redeem":
        _, who, ri = op
        cost, _, limit = REWARDS[ri]
        held = sum(1 for v, i, s in m.redemptions if i == ri and v.openid == who and s != "expired")
        shelf = m.shelf[ri]
        expected = None
        if shelf[0] - shelf[1] < 1:
            expected = OutOfStock
        elif m.available(who) < cost:
            expected = InsufficientPoints
        elif limit is not None and held >= limit:
            expected = OverLimit
        if expected is not None:
            try:
                await redeem(who, m.reward_ids[ri], key)
            except expected:
                return
            raise AssertionError(f"expected {expected.__name__}")
        v = await redeem(who, m.reward_ids[ri], key)
        m.replays.append((lambda: redeem(who, m.reward_ids[ri], key), v.id))
        m.wallet[who][1] += cost
        shelf[1] += 1
        m.redemptions.append([v, ri, "pending"])
    elif kind == "pickup" and m.redemptions:
        r = m.redemptions[op[1] % len(m.redemptions)]
        v, ri, status = r
        if status != "pending":
            try:
                await pickup(v.code, "staff")
            except RewardsError as exc:
                assert exc.code in ("code_used", "code_expired", "unknown_code")
                return
            # The code was drawn again by a newer pending redemption: that one was picked up.
            for other in m.redemptions:
                if other[0].code == v.code and other[2] == "pending":
                    _picked(m, other)
                    return
            raise AssertionError("a used code worked")
        await pickup(v.code, "staff")
        _picked(m, r)
    elif kind == "restock":
        _, ri, qty = op
        t = await catalogue.restock(m.reward_ids[ri], qty, key)
        m.replays.append((lambda: catalogue.restock(m.reward_ids[ri], qty, key), t.id))
        m.shelf[ri][0] += qty
    elif kind == "expire":
        clock.advance(timedelta(days=8))
        voided = {v.id for v in await expire_reservations()}
        for r in m.redemptions:
            if r[2] == "pending":
                assert r[0].id in voided
                r[2] = "expired"
                m.wallet[r[0].openid][1] -= r[0].cost
                m.shelf[r[1]][1] -= 1


def _picked(m: Model, r: list) -> None:
    v, ri, _ = r
    m.wallet[v.openid][0] -= v.cost
    m.wallet[v.openid][1] -= v.cost
    m.shelf[ri][0] -= 1
    m.shelf[ri][1] -= 1
    r[2] = "picked_up"


async def _snapshot() -> list:
    return await Account.all().order_by("code").values_list("code", "balance", "reserved")


async def _check(m: Model) -> None:
    for who in PEOPLE:
        bal = await ledger.balance(who)
        assert [bal.balance, bal.reserved] == m.wallet[who], who
        assert bal.available >= 0
    for ri, rid in enumerate(m.reward_ids):
        shelf = await Account.get(code=f"reward:{rid}:stock")
        assert [shelf.balance, shelf.reserved] == m.shelf[ri]
        assert shelf.balance - shelf.reserved >= 0
    report = await verify()
    assert report.ok, report.problems


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, max_size=30))
async def test_random_operations_keep_every_invariant(db, ops):
    clock.reset()
    await truncate_ledger()
    m = Model()
    for cost, stock, limit in REWARDS:
        r = await catalogue.add_reward("礼品", cost, stock, per_person_limit=limit)
        m.reward_ids.append(r.id)
        m.shelf.append([stock, 0])
    for n, op in enumerate(ops):
        await _apply(m, op, n)
    await _check(m)

    before = await _snapshot()
    for call, expected_id in m.replays:
        again = await call()
        assert again.replayed and again.id == expected_id
    assert await _snapshot() == before
    await _check(m)
