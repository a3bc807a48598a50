"""The transfer engine: pending / posted transfers, guarded balance updates, entries.

Every function here runs inside a transaction the caller opened (``rewards.tx``).

Lock order, the same in every transaction so writers never deadlock on each other: wallets,
then stock, then sinks, then issuance accounts (``LOCK_ORDER``: kind descending, then id),
and the chain head last (``chain.append``). Callers lock what they touch up front
(``lock_accounts`` / ``accounts.lock``), except that a redemption takes its shelf's lock
with the guarded update itself, as its last statement: that keeps the hottest row in a
rush locked for the shortest time, and the order above still holds.

A debit is guarded in SQL: ``UPDATE .. WHERE allow_negative OR balance >= reserved + n``
and the row count checked, so no account other than an issuance account ever has
``balance - reserved < 0``, whatever runs concurrently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import F, Q

from rewards import accounts, chain
from rewards.errors import (
    InsufficientBalance,
    InsufficientPoints,
    InvalidAmount,
    LedgerInvariantBroken,
    OutOfStock,
)
from rewards.values import TransferView
from storage.ledger.models import Account, AccountKind, Transfer, TransferStatus

MAX_AMOUNT = 10_000_000
# "wallet" > "stock" > "sink" > "issuance": see the module docstring.
LOCK_ORDER = ("-kind", "id")


@dataclass(frozen=True)
class Move:
    key: str
    fingerprint: str
    kind: str
    debit: Account
    credit: Account
    amount: int
    reason: str = ""
    rule: str | None = None
    reverses_id: int | None = None


def check_amount(amount: object) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise InvalidAmount(f"amount must be an integer in 1..{MAX_AMOUNT}, got {amount!r}")
    return amount


async def lock_accounts(accounts: Iterable[Account | int]) -> dict[int, str]:
    """Lock the accounts in ``LOCK_ORDER`` (FOR NO KEY UPDATE: new rows may still
    reference them); returns their codes by id."""
    ids = {a if isinstance(a, int) else a.id for a in accounts}
    rows = await Account.filter(id__in=ids).order_by(*LOCK_ORDER).select_for_update(no_key=True)
    return {a.id: a.code for a in rows}


async def create(moves: Sequence[Move], *, pending: bool, at: datetime) -> list[Transfer]:
    """Write the moves as pending (debits reserved) or posted (balances moved, entries)."""
    transfers = await record(moves, pending=pending, at=at)
    await apply(moves, transfers, pending=pending, at=at)
    return transfers


async def record(moves: Sequence[Move], *, pending: bool, at: datetime) -> list[Transfer]:
    """Insert the transfer rows only; ``apply`` must follow in the same transaction."""
    transfers = []
    for move in moves:
        check_amount(move.amount)
        if move.debit.unit != move.credit.unit or move.debit.id == move.credit.id:
            raise ValueError(f"cannot move {accounts.loggable(move.debit.code)} -> "
                             f"{accounts.loggable(move.credit.code)}")
        transfers.append(
            await Transfer.create(
                key=move.key,
                fingerprint=move.fingerprint,
                kind=move.kind,
                debit_id=move.debit.id,
                credit_id=move.credit.id,
                amount=move.amount,
                status=TransferStatus.PENDING if pending else TransferStatus.POSTED,
                reason=move.reason[:255],
                rule=move.rule,
                reverses_id=move.reverses_id,
                created_at=at,
                resolved_at=None if pending else at,
            )
        )
    return transfers


async def apply(
    moves: Sequence[Move], transfers: Sequence[Transfer], *, pending: bool, at: datetime
) -> None:
    """Debit (reserve, when pending) in the order given, then credit and chain if posted."""
    for move in moves:
        await _debit(move.debit, move.amount, pending)
    if not pending:
        for move in moves:
            await _credit(move.credit.id, move.amount)
        await chain.append(_legs(transfers), at)


async def settle(transfers: Sequence[Transfer], *, post: bool, at: datetime) -> None:
    """Finish pending transfers whose status the caller already switched (guarded update
    ``status=pending -> posted|voided``): release the reservations, and on post move the
    balances and append the entries."""
    for t in transfers:
        change = {"reserved": F("reserved") - t.amount}
        if post:
            change["balance"] = F("balance") - t.amount
        n = await Account.filter(id=t.debit_id, reserved__gte=t.amount).update(**change)
        if n != 1:
            raise LedgerInvariantBroken(f"account {t.debit_id} has less reserved than {t.key}")
    if post:
        for t in transfers:
            await _credit(t.credit_id, t.amount)
        await chain.append(_legs(transfers), at)


async def _debit(account: Account, amount: int, pending: bool) -> None:
    guard = Q(allow_negative=True) | Q(balance__gte=F("reserved") + amount)
    change = {"reserved": F("reserved") + amount} if pending else {"balance": F("balance") - amount}
    n = await Account.filter(id=account.id).filter(guard).update(**change)
    if n != 1:
        raise await _shortfall(account, amount)


async def _credit(account_id: int, amount: int) -> None:
    n = await Account.filter(id=account_id).update(balance=F("balance") + amount)
    if n != 1:
        raise LedgerInvariantBroken(f"account {account_id} vanished")


async def _shortfall(account: Account, amount: int) -> InsufficientBalance:
    if account.kind == AccountKind.STOCK:  # no numbers needed: spare the hot row a read
        return OutOfStock(f"{account.code} is empty", account=account.code)
    fresh = await Account.get(id=account.id)
    available = max(fresh.balance - fresh.reserved, 0)
    error = {AccountKind.WALLET: InsufficientPoints, AccountKind.STOCK: OutOfStock}.get(
        fresh.kind, InsufficientBalance
    )
    return error(
        f"{account.code} has {available}, needs {amount}",
        needed=amount,
        available=available,
        account=account.code,
    )


def _legs(transfers: Iterable[Transfer]) -> list[tuple[int, int, int]]:
    legs = []
    for t in transfers:
        legs.append((t.id, t.debit_id, -t.amount))
        legs.append((t.id, t.credit_id, t.amount))
    return legs


def view(t: Transfer, codes: dict[int, str], *, replayed: bool = False) -> TransferView:
    return TransferView(
        id=t.id,
        key=t.key,
        kind=t.kind,
        debit=codes[t.debit_id],
        credit=codes[t.credit_id],
        amount=t.amount,
        status=str(t.status),
        reason=t.reason,
        rule=t.rule,
        created_at=t.created_at,
        replayed=replayed,
    )


async def load_view(t: Transfer, *, replayed: bool = False) -> TransferView:
    rows = await Account.filter(id__in=[t.debit_id, t.credit_id]).values_list("id", "code")
    return view(t, dict(rows), replayed=replayed)
