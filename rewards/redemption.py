"""Redeeming points for a reward: reserve, pick up, or let the reservation expire.

``redeem`` reserves the reward's cost in points and one unit of stock (two pending
transfers) and issues a 6-digit pickup code valid for ``pickup_valid_days`` (rules.json).
Staff ``pickup(code)`` posts both transfers; ``expire_reservations()`` voids the ones not
picked up in time, which returns the points and the unit.
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError

from rewards import accounts, transfers
from rewards.catalogue import available_now
from rewards.errors import (
    CodeExpired,
    CodeUsed,
    InsufficientPoints,
    LedgerInvariantBroken,
    NotAvailable,
    OutOfStock,
    OverLimit,
    PickupError,
    UnknownCode,
    UnknownReward,
)
from rewards.idempotency import fingerprint, once
from rewards.policy import Rules, load_rules
from rewards.transfers import Move
from rewards.tx import transaction
from rewards.values import RedemptionView
from storage import clock
from storage.ledger.models import (
    Account,
    Redemption,
    RedemptionStatus,
    Reward,
    Transfer,
    TransferStatus,
)

log = logging.getLogger(__name__)

CODE_ATTEMPTS = 5
_ACTIVE = (RedemptionStatus.PENDING, RedemptionStatus.PICKED_UP)


def new_code() -> str:
    return str(100000 + secrets.randbelow(900000))


def normalise_code(text: str | None) -> str:
    """What staff typed, as a code: full-width digits (１２３４５６) become ASCII."""
    return unicodedata.normalize("NFKC", text or "").strip().replace(" ", "")


async def redeem(
    openid: str, reward_id: int, key: str, *, rules: Rules | None = None
) -> RedemptionView:
    """Reserve one unit of ``reward_id`` for ``openid`` and return the pickup code.

    Raises UnknownReward, NotAvailable, OutOfStock, InsufficientPoints, OverLimit,
    IdempotencyConflict. Nothing is reserved when it raises.
    """
    rules = rules or load_rules()
    fp = fingerprint(op="redeem", openid=openid, reward_id=reward_id)

    async def write() -> RedemptionView:
        reward = await Reward.get_or_none(id=reward_id) if isinstance(reward_id, int) else None
        if reward is None:
            raise UnknownReward(f"no reward {reward_id!r}", reward_id=reward_id)
        if not available_now(reward, clock.now()):
            raise NotAvailable(f"reward {reward_id} is not available now", reward_id=reward_id)
        wallet_code, stock_code = accounts.wallet_code(openid), accounts.stock_code(reward.id)
        sinks = (accounts.REDEEMED, accounts.handed_out_code(reward.id))
        accts = await accounts.ensure(wallet_code, stock_code, *sinks)
        _precheck(
            reward,
            accts[wallet_code].balance - accts[wallet_code].reserved,
            accts[stock_code].balance - accts[stock_code].reserved,
        )
        points = Move(
            f"{key}:points",
            fp,
            "redeem",
            accts[wallet_code],
            accts[sinks[0]],
            reward.cost,
            reward.name,
        )
        unit = Move(
            f"{key}:stock", fp, "redeem", accts[stock_code], accts[sinks[1]], 1, reward.name
        )
        for _ in range(CODE_ATTEMPTS):
            code = new_code()
            try:
                return await transaction(
                    lambda code=code: _reserve(
                        key, fp, openid, reward, points, unit, code, rules.pickup_valid_days
                    )
                )
            except IntegrityError:
                if await Redemption.exists(key=key):
                    raise  # a concurrent duplicate won: ``once`` answers from its row
                if not await Redemption.exists(active_code=code):
                    raise
                log.info("pickup code collision, drawing another")
        raise RuntimeError("could not draw a free pickup code")

    async def replay(r: Redemption) -> RedemptionView:
        return await _load_view(r, replayed=True)

    return await once(Redemption, key, fp, write, replay)


async def pickup(code: str, staff_openid: str) -> RedemptionView:
    """Hand the reward out: posts the reserved points and unit. The caller checks that
    ``staff_openid`` may do this. Raises UnknownCode, CodeExpired, CodeUsed."""
    code = normalise_code(code)
    if not re.fullmatch(r"[0-9]{6}", code):
        raise UnknownCode(f"not a pickup code: {code!r}", code=code)
    now = clock.now()
    r = await Redemption.get_or_none(active_code=code)
    if r is None or r.expires_at <= now:
        raise await _why_not_active(code, now)

    async def work() -> None:
        n = await Redemption.filter(
            id=r.id, status=RedemptionStatus.PENDING, expires_at__gt=now
        ).update(
            status=RedemptionStatus.PICKED_UP,
            active_code=None,
            resolved_at=now,
            picked_up_by=staff_openid,
        )
        if n != 1:
            raise await _why_not_active(code, now)
        await _settle(r, post=True, at=now)

    await transaction(work)
    return await _load_view(await Redemption.get(id=r.id))


async def expire_reservations(limit: int = 500) -> list[RedemptionView]:
    """Void reservations past their pickup time, returning points and stock. Returns what
    it voided so the caller can tell each resident. Run it from the scheduler."""
    now = clock.now()
    due = (
        await Redemption.filter(status=RedemptionStatus.PENDING, expires_at__lte=now)
        .order_by("id")
        .limit(limit)
    )
    voided = []
    for r in due:
        try:
            if await transaction(lambda r=r: _expire(r, now)):
                voided.append(await _load_view(await Redemption.get(id=r.id)))
        except Exception:
            log.exception("could not expire redemption %s", r.key)
    return voided


async def my_redemptions(
    openid: str, limit: int = 20, before: int | None = None
) -> list[RedemptionView]:
    """A person's redemptions, newest first; page with ``before=<last id seen>``."""
    query = Redemption.filter(openid=openid)
    if before is not None:
        query = query.filter(id__lt=before)
    rows = await query.order_by("-id").limit(limit)
    rewards = {rw.id: rw for rw in await Reward.filter(id__in={r.reward_id for r in rows})}
    return [_view(r, rewards[r.reward_id]) for r in rows]


async def find_by_code(code: str) -> RedemptionView | None:
    """The redemption a pickup code belongs to now (pending), for staff to check first."""
    r = await Redemption.get_or_none(active_code=normalise_code(code))
    return await _load_view(r) if r else None


def _precheck(reward: Reward, points_available: int, stock_available: int) -> None:
    """Cheap early answers; the guarded updates in the transaction are what decide."""
    if stock_available < 1:
        raise OutOfStock(f"reward {reward.id} is out of stock", reward_id=reward.id)
    if points_available < reward.cost:
        raise InsufficientPoints(
            "not enough points", needed=reward.cost, available=max(points_available, 0)
        )


async def _reserve(
    key: str,
    fp: str,
    openid: str,
    reward: Reward,
    points: Move,
    unit: Move,
    code: str,
    valid_days: int,
) -> RedemptionView:
    # In a rush most attempts come after the last unit went: answer them before writing.
    [(balance, reserved)] = await Account.filter(id=unit.debit.id).values_list(
        "balance", "reserved"
    )
    if balance - reserved < 1:
        raise OutOfStock(f"reward {reward.id} is out of stock", reward_id=reward.id)
    # The wallet lock serialises this person's redemptions (the limit check below).
    await transfers.lock_accounts([points.debit])
    if reward.per_person_limit is not None:
        held = await Redemption.filter(openid=openid, reward_id=reward.id, status__in=_ACTIVE)
        if len(held) >= reward.per_person_limit:
            raise OverLimit("per-person limit reached", limit=reward.per_person_limit)
    now = clock.now()
    t_points, t_unit = await transfers.record([points, unit], pending=True, at=now)
    r = await Redemption.create(
        key=key,
        fingerprint=fp,
        openid=openid,
        reward_id=reward.id,
        cost=reward.cost,
        code=code,
        active_code=code,
        status=RedemptionStatus.PENDING,
        points_transfer_id=t_points.id,
        stock_transfer_id=t_unit.id,
        created_at=now,
        expires_at=now + timedelta(days=valid_days),
    )
    # Reserve the points, then the unit: the shelf is the row everybody wants, so its lock
    # is taken by this guarded update as the last statement before the commit.
    await transfers.apply([points, unit], [t_points, t_unit], pending=True, at=now)
    return _view(r, reward)


async def _expire(r: Redemption, now: datetime) -> bool:
    n = await Redemption.filter(
        id=r.id, status=RedemptionStatus.PENDING, expires_at__lte=now
    ).update(status=RedemptionStatus.EXPIRED, active_code=None, resolved_at=now)
    if n != 1:
        return False  # picked up or expired meanwhile
    await _settle(r, post=False, at=now)
    return True


async def _settle(r: Redemption, *, post: bool, at: datetime) -> None:
    ids = [r.points_transfer_id, r.stock_transfer_id]
    target = TransferStatus.POSTED if post else TransferStatus.VOIDED
    n = await Transfer.filter(id__in=ids, status=TransferStatus.PENDING).update(
        status=target, resolved_at=at
    )
    if n != 2:
        raise LedgerInvariantBroken(f"redemption {r.key}: transfers not pending")
    ts = await Transfer.filter(id__in=ids)
    touched = {t.debit_id for t in ts} | ({t.credit_id for t in ts} if post else set())
    await transfers.lock_accounts(touched)
    await transfers.settle(ts, post=post, at=at)


async def _why_not_active(code: str, now: datetime) -> PickupError:
    last = await Redemption.filter(code=code).order_by("-id").first()
    if last is None:
        return UnknownCode(f"no pickup code {code}", code=code)
    if last.status == RedemptionStatus.PICKED_UP:
        return CodeUsed(f"pickup code {code} was used", code=code)
    if last.status == RedemptionStatus.EXPIRED or last.expires_at <= now:
        return CodeExpired(f"pickup code {code} expired", code=code)
    return UnknownCode(f"no pickup code {code}", code=code)


async def _load_view(r: Redemption, *, replayed: bool = False) -> RedemptionView:
    return _view(r, await Reward.get(id=r.reward_id), replayed=replayed)


def _view(r: Redemption, reward: Reward, *, replayed: bool = False) -> RedemptionView:
    return RedemptionView(
        id=r.id,
        key=r.key,
        openid=r.openid,
        reward_id=r.reward_id,
        reward_name=reward.name,
        cost=r.cost,
        code=r.code,
        status=str(r.status),
        created_at=r.created_at,
        expires_at=r.expires_at,
        resolved_at=r.resolved_at,
        picked_up_by=r.picked_up_by,
        pickup_place=reward.pickup_place,
        replayed=replayed,
    )
