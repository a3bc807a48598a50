"""The points ledger on PostgreSQL and SQLite: writes, idempotency, two-phase, verify."""

from __future__ import annotations

import pytest

from rewards import ledger
from rewards.errors import (
    IdempotencyConflict,
    InsufficientPoints,
    InvalidAmount,
    NotReversible,
    TransferNotPending,
    UnknownTransfer,
)
from rewards.verify import verify
from storage.ledger.models import Account, Entry
from tests.support.ledger import execute


async def test_award_is_posted_and_balanced(db):
    t = await ledger.award("alice", 10, "report:A1:closed:reporter", "A1", rule="r")
    assert (t.status, t.amount, t.debit, t.credit) == (
        "posted",
        10,
        "points:issuance",
        "points:wallet:alice",
    )
    assert await ledger.balance("alice") == ledger.Balance("alice", 10, 0, 10)
    issuance = await Account.get(code="points:issuance")
    assert issuance.balance == -10
    assert [e.amount for e in await Entry.all().order_by("seq")] == [-10, 10]
    assert (await verify()).ok


async def test_same_key_same_parameters_replays(db):
    first = await ledger.grant("bob", 5, "活动奖励", "grant:1")
    again = await ledger.grant("bob", 5, "活动奖励", "grant:1")
    assert again.replayed and not first.replayed
    assert again.id == first.id
    assert (await ledger.balance("bob")).balance == 5
    assert await Entry.all().count() == 2


async def test_same_key_different_parameters_is_a_conflict(db):
    await ledger.grant("bob", 5, "x", "grant:1")
    for call in (
        ledger.grant("bob", 6, "x", "grant:1"),
        ledger.grant("carol", 5, "x", "grant:1"),
        ledger.award("bob", 5, "grant:1", "x"),
    ):
        with pytest.raises(IdempotencyConflict) as err:
            await call
        assert err.value.code == "idempotency_conflict"
    assert (await ledger.balance("bob")).balance == 5


async def test_spend_never_takes_a_wallet_below_zero(db):
    await ledger.grant("dan", 7, "x", "g")
    with pytest.raises(InsufficientPoints) as err:
        await ledger.spend("dan", 8, "s1")
    assert err.value.params == {"needed": 8, "available": 7, "account": "points:wallet:dan"}
    await ledger.spend("dan", 7, "s2")
    assert (await ledger.balance("dan")).available == 0
    # A failed write leaves no trace: its key can be used again later.
    await ledger.grant("dan", 8, "x", "g2")
    assert (await ledger.spend("dan", 8, "s1")).status == "posted"
    assert (await verify()).ok


async def test_spend_from_a_wallet_never_seen_creates_nothing_negative(db):
    with pytest.raises(InsufficientPoints):
        await ledger.spend("nobody", 1, "s")
    assert (await ledger.balance("nobody")).balance == 0


@pytest.mark.parametrize("amount", [0, -1, 1.5, True, "3"])
async def test_amounts_are_positive_integers(db, amount):
    with pytest.raises(InvalidAmount):
        await ledger.grant("erin", amount, "x", "g")


async def test_reserve_then_post(db):
    await ledger.grant("fay", 10, "x", "g")
    t = await ledger.reserve("fay", 6, "r1")
    assert t.status == "pending"
    assert await ledger.balance("fay") == ledger.Balance("fay", 10, 6, 4)
    with pytest.raises(InsufficientPoints):
        await ledger.spend("fay", 5, "s")  # only 4 available
    posted = await ledger.post(t.id)
    assert posted.status == "posted"
    assert await ledger.balance("fay") == ledger.Balance("fay", 4, 0, 4)
    assert (await ledger.post(t.id)).replayed  # posting twice is harmless
    with pytest.raises(TransferNotPending):
        await ledger.void(t.id)
    assert (await verify()).ok


async def test_reserve_then_void_releases(db):
    await ledger.grant("gus", 10, "x", "g")
    t = await ledger.reserve("gus", 10, "r1")
    assert (await ledger.balance("gus")).available == 0
    assert (await ledger.void(t.id)).status == "voided"
    assert await ledger.balance("gus") == ledger.Balance("gus", 10, 0, 10)
    assert (await ledger.void(t.id)).replayed
    with pytest.raises(TransferNotPending):
        await ledger.post(t.id)
    with pytest.raises(UnknownTransfer):
        await ledger.post(999_999)
    # Pending and voided transfers write no entries: only the grant's two legs exist.
    assert await Entry.all().count() == 2
    assert (await verify()).ok


async def test_reverse_writes_an_opposite_entry(db):
    await ledger.award("hal", 10, "k1", "A1")
    rev = await ledger.reverse("k1", "误操作")
    assert (rev.kind, rev.debit, rev.credit, rev.amount) == (
        "reversal",
        "points:wallet:hal",
        "points:issuance",
        10,
    )
    assert (await ledger.balance("hal")).balance == 0
    assert (await ledger.reverse("k1", "误操作")).replayed
    with pytest.raises(NotReversible):
        await ledger.reverse("k1", "again", reversal_key="other")
    with pytest.raises(NotReversible):
        await ledger.reverse("reversal:k1", "reverse the reversal")
    with pytest.raises(UnknownTransfer):
        await ledger.reverse("nope", "x")
    assert [e.amount for e in await ledger.entries("hal")] == [-10, 10]
    assert (await verify()).ok


async def test_reverse_cannot_overdraw(db):
    await ledger.award("ida", 10, "k1", "A1")
    await ledger.spend("ida", 8, "s1")
    with pytest.raises(InsufficientPoints):
        await ledger.reverse("k1", "fraud")
    assert (await ledger.balance("ida")).balance == 2


async def test_entries_page_newest_first(db):
    for i in range(5):
        await ledger.grant("jo", i + 1, f"r{i}", f"g{i}")
    page = await ledger.entries("jo", limit=2)
    assert [e.amount for e in page] == [5, 4]
    assert page[0].kind == "grant" and page[0].reason == "r4"
    rest = await ledger.entries("jo", limit=10, before=page[-1].seq)
    assert [e.amount for e in rest] == [3, 2, 1]
    assert await ledger.entries("stranger") == []


async def test_verify_finds_tampering(db):
    await ledger.grant("kim", 10, "x", "g1")
    await ledger.grant("kim", 3, "x", "g2")
    assert (await verify()).ok

    await execute("UPDATE ledger_account SET balance = 100 WHERE code = 'points:wallet:kim'")
    report = await verify()
    assert [p.kind for p in report.problems] == ["balance"]

    await execute("UPDATE ledger_account SET balance = 13 WHERE code = 'points:wallet:kim'")
    await execute("UPDATE ledger_entry SET amount = 4 WHERE seq = 4")
    kinds = {p.kind for p in (await verify()).problems}
    assert {"chain", "balance", "transfer"} <= kinds


async def test_verify_finds_a_deleted_entry_and_a_rewritten_chain(db):
    for i in range(3):
        await ledger.grant("lee", 1, "x", f"g{i}")
    await execute("DELETE FROM ledger_entry WHERE seq = 3")
    details = [p.detail for p in (await verify()).problems]
    assert any("missing" in d for d in details)


async def test_verify_finds_a_wrong_reservation(db):
    await ledger.grant("max", 10, "x", "g")
    await ledger.reserve("max", 4, "r")
    await execute("UPDATE ledger_account SET reserved = 0 WHERE code = 'points:wallet:max'")
    assert [p.kind for p in (await verify()).problems] == ["reserved"]
