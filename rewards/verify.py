"""Recompute the ledger from its entries and check the hash chain (``linli ledger verify``).

Checks: the chain (seq without gaps, each prev_hash and hash), each posted transfer has
exactly its two legs and pending/voided ones none, every cached balance equals the sum of
its entries and every cached reservation the sum of pending debits, no account but an
issuance account below zero, and redemptions agree with their transfers.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from tortoise.transactions import in_transaction

from rewards.chain import GENESIS, HEAD_ID, entry_hash
from rewards.values import Problem, VerifyReport
from storage.ledger.models import (
    Account,
    ChainHead,
    Entry,
    Redemption,
    RedemptionStatus,
    Transfer,
    TransferStatus,
)

BATCH = 5000
_EXPECTED_STATUS = {
    RedemptionStatus.PENDING: TransferStatus.PENDING,
    RedemptionStatus.PICKED_UP: TransferStatus.POSTED,
    RedemptionStatus.EXPIRED: TransferStatus.VOIDED,
}


async def verify() -> VerifyReport:
    """Check everything in one consistent snapshot (REPEATABLE READ on PostgreSQL), so
    writes running meanwhile cannot show up as mismatches."""
    async with in_transaction() as conn:
        if conn.capabilities.dialect == "postgres":
            await conn.execute_script("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return await _verify()


async def _verify() -> VerifyReport:
    report = VerifyReport()
    sums: dict[int, int] = defaultdict(int)
    legs: dict[int, Counter] = defaultdict(Counter)
    await _check_chain(report, sums, legs)
    reserved, statuses = await _check_transfers(report, legs)
    await _check_accounts(report, sums, reserved)
    await _check_redemptions(report, statuses)
    return report


async def _check_chain(report: VerifyReport, sums: dict, legs: dict) -> None:
    prev, expected, last = GENESIS, 1, 0
    while True:
        batch = await Entry.filter(seq__gt=last).order_by("seq").limit(BATCH)
        if not batch:
            break
        for e in batch:
            if e.seq != expected:
                report.problems.append(
                    Problem("chain", f"entry {e.seq}", f"expected seq {expected}: entries missing")
                )
            if e.prev_hash != prev:
                report.problems.append(
                    Problem("chain", f"entry {e.seq}", "prev_hash does not match the entry before")
                )
            own = entry_hash(
                e.prev_hash, e.seq, e.transfer_id, e.account_id, e.amount, e.created_at
            )
            if own != e.hash:
                report.problems.append(
                    Problem("chain", f"entry {e.seq}", "hash does not match its fields (altered)")
                )
            sums[e.account_id] += e.amount
            legs[e.transfer_id][(e.account_id, e.amount)] += 1
            prev, expected, last = e.hash, e.seq + 1, e.seq
            report.entries += 1
    head = await ChainHead.get_or_none(id=HEAD_ID)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != last or head_hash != prev:
        report.problems.append(
            Problem("chain", "head", f"head is at seq {head_seq}, last entry is seq {last}")
        )


async def _check_transfers(report: VerifyReport, legs: dict) -> tuple[dict, dict]:
    reserved: dict[int, int] = defaultdict(int)
    statuses: dict[int, str] = {}
    last = 0
    fields = ("id", "key", "debit_id", "credit_id", "amount", "status")
    while True:
        batch = await Transfer.filter(id__gt=last).order_by("id").limit(BATCH).values(*fields)
        if not batch:
            break
        for t in batch:
            report.transfers += 1
            last = t["id"]
            statuses[t["id"]] = t["status"]
            found = legs.pop(t["id"], Counter())
            expected: Counter = Counter()
            if t["status"] == TransferStatus.POSTED:
                expected[(t["debit_id"], -t["amount"])] += 1
                expected[(t["credit_id"], t["amount"])] += 1
            elif t["status"] == TransferStatus.PENDING:
                reserved[t["debit_id"]] += t["amount"]
            if t["amount"] <= 0:
                report.problems.append(Problem("transfer", t["key"], "amount is not positive"))
            if found != expected:
                report.problems.append(
                    Problem(
                        "transfer",
                        t["key"],
                        f"{t['status']} transfer of {t['amount']} has entries {dict(found)}",
                    )
                )
    for transfer_id in legs:
        report.problems.append(Problem("transfer", str(transfer_id), "entries of no transfer"))
    return reserved, statuses


async def _check_accounts(report: VerifyReport, sums: dict, reserved: dict) -> None:
    for a in await Account.all().order_by("id"):
        report.accounts += 1
        if a.balance != sums.get(a.id, 0):
            report.problems.append(
                Problem(
                    "balance",
                    a.code,
                    f"cached balance {a.balance}, entries sum to {sums.get(a.id, 0)}",
                )
            )
        if a.reserved != reserved.get(a.id, 0):
            report.problems.append(
                Problem(
                    "reserved",
                    a.code,
                    f"cached reserved {a.reserved}, pending debits sum to {reserved.get(a.id, 0)}",
                )
            )
        if not a.allow_negative and (a.balance < 0 or a.balance - a.reserved < 0):
            report.problems.append(
                Problem("negative", a.code, f"balance {a.balance}, reserved {a.reserved}")
            )


async def _check_redemptions(report: VerifyReport, statuses: dict) -> None:
    rows = await Redemption.all().values("key", "status", "points_transfer_id", "stock_transfer_id")
    for r in rows:
        want = _EXPECTED_STATUS[RedemptionStatus(r["status"])]
        for tid in (r["points_transfer_id"], r["stock_transfer_id"]):
            if statuses.get(tid) != want:
                report.problems.append(
                    Problem(
                        "redemption",
                        r["key"],
                        f"{r['status']} but its transfer {tid} is {statuses.get(tid)}",
                    )
                )
