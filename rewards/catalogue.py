"""The reward catalogue: what can be redeemed, for how many points, how many are left.

A reward's stock lives in the ledger (``reward:<id>:stock``): adding units is an issuance
transfer, handing one out moves it to ``reward:<id>:handed_out``.
"""

from __future__ import annotations

from datetime import datetime

from rewards import accounts, transfers
from rewards.errors import UnknownReward
from rewards.idempotency import fingerprint, once
from rewards.texts import DEFAULT_PICKUP_PLACE
from rewards.transfers import Move
from rewards.tx import transaction
from rewards.values import RewardView, TransferView
from storage import clock
from storage.ledger.models import Account, Reward, Transfer


async def add_reward(
    name: str,
    cost: int,
    stock: int = 0,
    *,
    per_person_limit: int | None = None,
    available_from: datetime | None = None,
    available_until: datetime | None = None,
    pickup_place: str | None = None,
) -> RewardView:
    _validate(name, cost, stock, per_person_limit, available_from, available_until)

    async def work() -> RewardView:
        now = clock.now()
        reward = await Reward.create(
            name=name.strip(),
            cost=cost,
            per_person_limit=per_person_limit,
            available_from=available_from,
            available_until=available_until,
            pickup_place=(pickup_place or DEFAULT_PICKUP_PLACE).strip(),
            enabled=True,
            created_at=now,
        )
        issuance, shelf = accounts.reward_issuance_code(reward.id), accounts.stock_code(reward.id)
        accts = await accounts.ensure(issuance, shelf, accounts.handed_out_code(reward.id))
        if stock:
            key = f"reward:{reward.id}:initial-stock"
            fp = fingerprint(op="restock", reward_id=reward.id, quantity=stock, reason="")
            await transfers.lock_accounts([accts[issuance], accts[shelf]])
            move = Move(key, fp, "restock", accts[issuance], accts[shelf], stock)
            await transfers.create([move], pending=False, at=now)
        return _view(reward, stock, now)

    return await transaction(work)


async def restock(reward_id: int, quantity: int, key: str, reason: str = "") -> TransferView:
    """Add ``quantity`` units to the shelf (an issuance transfer of the reward's unit)."""
    transfers.check_amount(quantity)
    fp = fingerprint(op="restock", reward_id=reward_id, quantity=quantity, reason=reason)

    async def write() -> TransferView:
        await _get(reward_id)
        issuance, shelf = accounts.reward_issuance_code(reward_id), accounts.stock_code(reward_id)

        async def work() -> TransferView:
            accts = await accounts.lock(issuance, shelf)
            move = Move(key, fp, "restock", accts[issuance], accts[shelf], quantity, reason)
            [t] = await transfers.create([move], pending=False, at=clock.now())
            return transfers.view(t, {a.id: a.code for a in accts.values()})

        return await transaction(work)

    async def replay(t: Transfer) -> TransferView:
        return await transfers.load_view(t, replayed=True)

    return await once(Transfer, key, fp, write, replay)


async def set_enabled(reward_id: int, enabled: bool) -> RewardView:
    await _get(reward_id)
    await Reward.filter(id=reward_id).update(enabled=enabled)
    return await get_reward(reward_id)


async def disable(reward_id: int) -> RewardView:
    return await set_enabled(reward_id, False)


async def enable(reward_id: int) -> RewardView:
    return await set_enabled(reward_id, True)


async def get_reward(reward_id: int) -> RewardView:
    reward = await _get(reward_id)
    stock = await _stock([reward.id])
    return _view(reward, stock.get(reward.id, 0), clock.now())


async def list_rewards(*, include_unavailable: bool = False) -> list[RewardView]:
    """Rewards by number; by default only those that can be redeemed now (stock may be 0)."""
    rewards = await Reward.all().order_by("id")
    stock = await _stock([r.id for r in rewards])
    now = clock.now()
    views = [_view(r, stock.get(r.id, 0), now) for r in rewards]
    return [v for v in views if include_unavailable or v.available_now]


def available_now(reward: Reward, now: datetime) -> bool:
    if not reward.enabled:
        return False
    if reward.available_from is not None and now < reward.available_from:
        return False
    return reward.available_until is None or now < reward.available_until


async def _get(reward_id: int) -> Reward:
    reward = await Reward.get_or_none(id=reward_id) if isinstance(reward_id, int) else None
    if reward is None:
        raise UnknownReward(f"no reward {reward_id!r}", reward_id=reward_id)
    return reward


async def _stock(reward_ids: list[int]) -> dict[int, int]:
    codes = {accounts.stock_code(i): i for i in reward_ids}
    rows = await Account.filter(code__in=list(codes)).values_list("code", "balance", "reserved")
    return {codes[code]: balance - reserved for code, balance, reserved in rows}


def _view(reward: Reward, stock: int, now: datetime) -> RewardView:
    return RewardView(
        id=reward.id,
        name=reward.name,
        cost=reward.cost,
        stock=stock,
        per_person_limit=reward.per_person_limit,
        available_from=reward.available_from,
        available_until=reward.available_until,
        pickup_place=reward.pickup_place,
        enabled=reward.enabled,
        available_now=available_now(reward, now),
    )


def _validate(
    name: str,
    cost: int,
    stock: int,
    limit: int | None,
    start: datetime | None,
    end: datetime | None,
) -> None:
    if not name.strip() or len(name.strip()) > 64:
        raise ValueError("name must be 1-64 characters")
    transfers.check_amount(cost)
    if isinstance(stock, bool) or not isinstance(stock, int) or stock < 0:
        raise ValueError("stock must be a whole number >= 0")
    if stock:
        transfers.check_amount(stock)
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ValueError("per-person limit must be >= 1 (or none)")
    for moment in (start, end):
        if moment is not None and moment.tzinfo is None:
            raise ValueError("availability times must be timezone-aware")
    if start is not None and end is not None and end <= start:
        raise ValueError("availability window ends before it starts")
