"""Catalogue and redemption: reserve with a pickup code, pick up, expire, limits, texts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rewards import catalogue, ledger, texts
from rewards.errors import (
    ALL_ERRORS,
    CodeExpired,
    CodeUsed,
    IdempotencyConflict,
    InsufficientPoints,
    NotAvailable,
    OutOfStock,
    OverLimit,
    TransferNotPending,
    UnknownCode,
    UnknownReward,
)
from rewards.redemption import expire_reservations, my_redemptions, pickup, redeem
from rewards.verify import verify
from storage import clock
from storage.ledger.models import Account, Transfer


async def _reward(stock=5, cost=30, **kw):
    return await catalogue.add_reward("环保袋", cost, stock, **kw)


async def _rich(openid, points=100):
    await ledger.grant(openid, points, "测试", f"g:{openid}")


async def test_add_list_restock_disable(db):
    bag = await _reward(stock=5)
    assert (bag.stock, bag.pickup_place, bag.available_now) == (5, "社区服务站", True)
    soap = await catalogue.add_reward("肥皂", 10, 0, per_person_limit=2, pickup_place="3号楼物业")
    assert [r.name for r in await catalogue.list_rewards()] == ["环保袋", "肥皂"]

    t = await catalogue.restock(soap.id, 20, "restock:1")
    assert (t.debit, t.credit, t.amount) == (
        f"reward:{soap.id}:issuance",
        f"reward:{soap.id}:stock",
        20,
    )
    assert (await catalogue.restock(soap.id, 20, "restock:1")).replayed
    with pytest.raises(IdempotencyConflict):
        await catalogue.restock(soap.id, 21, "restock:1")
    assert (await catalogue.get_reward(soap.id)).stock == 20

    await catalogue.disable(bag.id)
    assert [r.id for r in await catalogue.list_rewards()] == [soap.id]
    assert len(await catalogue.list_rewards(include_unavailable=True)) == 2
    await catalogue.enable(bag.id)
    with pytest.raises(UnknownReward):
        await catalogue.restock(soap.id + 100, 1, "x")
    assert (await verify()).ok


async def test_add_checks_its_input(db):
    with pytest.raises(ValueError):
        await catalogue.add_reward(" ", 10)
    with pytest.raises(ValueError):
        await catalogue.add_reward("x", 10, -1)
    with pytest.raises(ValueError):
        await catalogue.add_reward("x", 10, per_person_limit=0)
    start = clock.now()
    with pytest.raises(ValueError):
        await catalogue.add_reward("x", 10, available_from=start, available_until=start)


async def test_redeem_reserves_points_and_stock_then_pickup_posts(db):
    bag = await _reward(stock=2, cost=30)
    await _rich("alice", 100)
    r = await redeem("alice", bag.id, "redeem:m1")
    assert r.status == "pending" and len(r.code) == 6 and r.code.isdigit()
    assert r.expires_at - r.created_at == timedelta(days=7)
    assert await ledger.balance("alice") == ledger.Balance("alice", 100, 30, 70)
    assert (await catalogue.get_reward(bag.id)).stock == 1

    done = await pickup(r.code, "staff1")
    assert (done.status, done.picked_up_by) == ("picked_up", "staff1")
    assert await ledger.balance("alice") == ledger.Balance("alice", 70, 0, 70)
    shelf = await Account.get(code=f"reward:{bag.id}:stock")
    assert (shelf.balance, shelf.reserved) == (1, 0)
    assert (await Account.get(code=f"reward:{bag.id}:handed_out")).balance == 1
    assert (await Account.get(code="points:redeemed")).balance == 30

    with pytest.raises(CodeUsed):
        await pickup(r.code, "staff1")
    assert [m.status for m in await my_redemptions("alice")] == ["picked_up"]
    assert (await verify()).ok


async def test_redeem_replays_and_conflicts(db):
    bag = await _reward()
    other = await _reward()
    await _rich("alice")
    first = await redeem("alice", bag.id, "m1")
    again = await redeem("alice", bag.id, "m1")
    assert again.replayed and again.code == first.code and again.id == first.id
    with pytest.raises(IdempotencyConflict):
        await redeem("alice", other.id, "m1")
    with pytest.raises(IdempotencyConflict):
        await redeem("bob", bag.id, "m1")
    assert (await ledger.balance("alice")).reserved == 30


async def test_nothing_is_reserved_when_redeem_fails(db):
    bag = await _reward(stock=2, cost=30, per_person_limit=1)
    await _rich("poor", 29)
    with pytest.raises(InsufficientPoints) as err:
        await redeem("poor", bag.id, "m0")
    assert err.value.params == {"needed": 30, "available": 29}
    with pytest.raises(UnknownReward):
        await redeem("poor", bag.id + 100, "m1")
    with pytest.raises(UnknownReward):
        await redeem("poor", "abc", "m1")  # what "兑换 abc" would pass through

    await _rich("alice")
    await redeem("alice", bag.id, "m2")
    with pytest.raises(OverLimit) as over:
        await redeem("alice", bag.id, "m3")
    assert over.value.params == {"limit": 1}
    await _rich("bob")
    await redeem("bob", bag.id, "m4")
    await _rich("carol")
    with pytest.raises(OutOfStock):
        await redeem("carol", bag.id, "m5")
    assert (await ledger.balance("carol")).reserved == 0
    assert (await ledger.balance("poor")).reserved == 0
    assert (await verify()).ok


async def test_availability_window_and_disabled(db):
    now = clock.now()
    later = await _reward(available_from=now + timedelta(days=1))
    over = await _reward(available_until=now - timedelta(seconds=1))
    off = await _reward()
    await catalogue.disable(off.id)
    await _rich("alice")
    for reward in (later, over, off):
        with pytest.raises(NotAvailable):
            await redeem("alice", reward.id, f"m{reward.id}")
    clock.advance(timedelta(days=1, seconds=1))
    assert (await redeem("alice", later.id, "m-later")).status == "pending"


async def test_per_person_limit_counts_pending_and_picked_up_not_expired(db):
    bag = await _reward(stock=5, cost=10, per_person_limit=2)
    await _rich("alice")
    r1 = await redeem("alice", bag.id, "m1")
    await pickup(r1.code, "staff")
    r2 = await redeem("alice", bag.id, "m2")
    with pytest.raises(OverLimit):
        await redeem("alice", bag.id, "m3")
    clock.advance(timedelta(days=8))
    assert [v.id for v in await expire_reservations()] == [r2.id]
    assert (await redeem("alice", bag.id, "m4")).status == "pending"


async def test_expired_reservations_return_points_and_stock(db):
    bag = await _reward(stock=1, cost=30)
    await _rich("alice")
    r = await redeem("alice", bag.id, "m1")
    clock.advance(timedelta(days=7) - timedelta(seconds=5))
    assert await expire_reservations() == []
    clock.advance(timedelta(seconds=10))
    with pytest.raises(CodeExpired):
        await pickup(r.code, "staff")  # too late, even before the sweep ran
    [voided] = await expire_reservations()
    assert (voided.id, voided.status, voided.openid) == (r.id, "expired", "alice")
    assert await expire_reservations() == []
    assert await ledger.balance("alice") == ledger.Balance("alice", 100, 0, 100)
    assert (await catalogue.get_reward(bag.id)).stock == 1
    with pytest.raises(CodeExpired):
        await pickup(r.code, "staff")
    assert (await verify()).ok


async def test_pickup_code_input(db):
    for bad in ("", "abc", "12345", "1234567", "12 456"):
        with pytest.raises(UnknownCode):
            await pickup(bad, "staff")
    with pytest.raises(UnknownCode) as err:
        await pickup("123456", "staff")
    assert texts.error_text(err.value) == "核销码 123456 不存在，请核对后重新输入。"


async def test_codes_are_unique_among_pending(db):
    bag = await _reward(stock=60, cost=1)
    await _rich("alice", 100)
    codes = [(await redeem("alice", bag.id, f"m{i}")).code for i in range(60)]
    assert len(set(codes)) == 60


def test_every_error_code_has_a_chinese_text():
    for error in ALL_ERRORS:
        assert error.code in texts.ERRORS, error.code
    err = InsufficientPoints(needed=30, available=12)
    assert texts.error_text(err) == "积分不足：需要 30 分，当前可用 12 分。"
    assert texts.error_text(OverLimit()) == texts.FALLBACK_ERROR  # missing params: no crash
    assert len({e.code for e in ALL_ERRORS}) == len(ALL_ERRORS)


async def test_full_width_codes_and_direct_settling_is_refused(db):
    bag = await _reward(stock=2, cost=10)
    await _rich("alice")
    r = await redeem("alice", bag.id, "m1")
    points = await Transfer.get(key="m1:points")
    for settle in (ledger.post, ledger.void):
        with pytest.raises(TransferNotPending):
            await settle(points.id)  # only pickup / expiry settle a redemption
    full_width = r.code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert (await pickup(f" {full_width} ", "staff")).status == "picked_up"
    assert (await verify()).ok


def test_history_labels():
    assert texts.entry_label("award", "report_confirmed_reporter") == "随手拍问题已确认"
    assert texts.entry_label("reversal", "report_confirmed_reporter") == "冲正（随手拍问题已确认）"
    assert texts.entry_label("grant") == "社区发放"
