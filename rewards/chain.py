"""The hash chain over ledger entries.

Entry ``seq`` n stores ``hash = sha256(prev_hash | seq | transfer | account | amount | time)``
where ``prev_hash`` is entry n-1's hash. Appends lock the single chain-head row
(SELECT .. FOR UPDATE on PostgreSQL, SQLite serialises writers anyway), so concurrent
transactions extend the chain one after another and ``seq`` has no gaps.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from storage.ledger.models import ChainHead, Entry

GENESIS = "0" * 64
HEAD_ID = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(dt: datetime) -> int:
    return (dt - _EPOCH) // timedelta(microseconds=1)


def entry_hash(
    prev_hash: str, seq: int, transfer_id: int, account_id: int, amount: int, at: datetime
) -> str:
    payload = f"{prev_hash}|{seq}|{transfer_id}|{account_id}|{amount}|{micros(at)}"
    return hashlib.sha256(payload.encode()).hexdigest()


async def locked_head() -> ChainHead:
    head = await ChainHead.filter(id=HEAD_ID).select_for_update().first()
    if head is None:
        await ChainHead.bulk_create(
            [ChainHead(id=HEAD_ID, seq=0, hash=GENESIS)], ignore_conflicts=True
        )
        head = await ChainHead.filter(id=HEAD_ID).select_for_update().first()
    assert head is not None
    return head


async def append(legs: Sequence[tuple[int, int, int]], at: datetime) -> None:
    """Append (transfer_id, account_id, amount) legs. Call inside the writing transaction,
    after every account lock it needs (the head is always the last lock taken)."""
    head = await locked_head()
    seq, prev = head.seq, head.hash
    rows = []
    for transfer_id, account_id, amount in legs:
        seq += 1
        digest = entry_hash(prev, seq, transfer_id, account_id, amount, at)
        rows.append(
            Entry(
                seq=seq,
                transfer_id=transfer_id,
                account_id=account_id,
                amount=amount,
                created_at=at,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    await Entry.bulk_create(rows)
    await ChainHead.filter(id=HEAD_ID).update(seq=seq, hash=prev)
