"""Points expiry: points earned in year Y expire at the end of year Y+1 (Asia/Shanghai).

Off by default (``expiry.enabled`` in rules.json): both functions return [] when off.
Spending uses the oldest points first, so what expires is what is left of the old years
after every debit (reserved points count as spent until their reservation is voided).
A reversed credit is taken out of the year it was earned in, not out of the oldest.

- ``expiry_reminders()``: within ``remind_days_before`` of a year end, one reminder per
  person and expiry date, returned for the caller to deliver.
- ``run_expiry_sweep()``: moves expired points from each wallet to ``points:expired``.
  It recomputes under the wallet lock, so running it twice expires nothing more.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError

from rewards import accounts, transfers
from rewards.idempotency import fingerprint
from rewards.policy import Rules, load_rules
from rewards.transfers import Move
from rewards.tx import transaction
from rewards.values import ExpiredPoints, ExpiryReminder
from storage import clock
from storage.ledger.models import Account, AccountKind, Entry, ExpiryNotice

log = logging.getLogger(__name__)


def expires_at(year: int) -> datetime:
    """The instant points earned in ``year`` expire: 1 January of year+2, local midnight."""
    return datetime(year + 2, 1, 1, tzinfo=clock.SHANGHAI).astimezone(UTC)


async def remaining_by_year(wallet: Account) -> dict[int, int]:
    """What is left of each year's earnings after spending oldest-first."""
    rows = (
        await Entry.filter(account_id=wallet.id)
        .order_by("seq")
        .values("amount", "created_at", "transfer_id", "transfer__kind", "transfer__reverses_id")
    )
    lots: dict[int, int] = defaultdict(int)
    earned_in: dict[int, int] = {}
    spent = wallet.reserved
    for r in rows:
        year = clock.local(r["created_at"]).year
        if r["amount"] > 0:
            lots[year] += r["amount"]
            earned_in[r["transfer_id"]] = year
        elif r["transfer__kind"] == "reversal" and r["transfer__reverses_id"] in earned_in:
            lots[earned_in[r["transfer__reverses_id"]]] += r["amount"]
        else:
            spent -= r["amount"]
    for year in sorted(lots):
        used = min(lots[year], spent)
        lots[year] -= used
        spent -= used
    return {year: amount for year, amount in sorted(lots.items()) if amount > 0}


async def run_expiry_sweep(*, rules: Rules | None = None) -> list[ExpiredPoints]:
    rules = rules or load_rules()
    if not rules.expiry_enabled:
        return []
    now = clock.now()
    sink = (await accounts.ensure(accounts.EXPIRED))[accounts.EXPIRED]
    expired = []
    for wallet in await Account.filter(kind=AccountKind.WALLET, balance__gt=0).order_by("id"):
        try:
            result = await transaction(lambda w=wallet: _expire_wallet(w, sink, now))
        except Exception:
            log.exception("expiry sweep failed for %s", wallet.code)
            continue
        if result is not None:
            expired.append(result)
    return expired


async def expiry_reminders(*, rules: Rules | None = None) -> list[ExpiryReminder]:
    rules = rules or load_rules()
    if not rules.expiry_enabled:
        return []
    now = clock.now()
    this_year = clock.local(now).year
    deadline = expires_at(this_year - 1)
    if deadline - now > timedelta(days=rules.remind_days_before):
        return []
    valid_until = (clock.local(deadline) - timedelta(days=1)).date()
    reminders = []
    for wallet in await Account.filter(kind=AccountKind.WALLET, balance__gt=0).order_by("id"):
        lots = await remaining_by_year(wallet)
        amount = sum(v for year, v in lots.items() if expires_at(year) <= deadline)
        if amount <= 0:
            continue
        try:
            await ExpiryNotice.create(
                openid=wallet.openid, expires_on=valid_until, amount=amount, created_at=now
            )
        except IntegrityError:
            continue  # reminded already
        reminders.append(ExpiryReminder(wallet.openid or "", amount, deadline))
    return reminders


async def _expire_wallet(wallet: Account, sink: Account, now: datetime) -> ExpiredPoints | None:
    await transfers.lock_accounts([wallet, sink])
    fresh = await Account.get(id=wallet.id)
    lots = await remaining_by_year(fresh)
    due = sum(v for year, v in lots.items() if expires_at(year) <= now)
    due = min(due, fresh.balance - fresh.reserved)
    if due <= 0:
        return None
    last = await Entry.filter(account_id=fresh.id).order_by("-seq").first()
    key = f"expiry:{fresh.openid}:{last.seq if last else 0}"
    fp = fingerprint(op="expire", openid=fresh.openid, amount=due)
    move = Move(key, fp, "expiry", fresh, sink, due)
    [t] = await transfers.create([move], pending=False, at=now)
    return ExpiredPoints(fresh.openid or "", due, t.id)
