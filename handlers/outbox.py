"""Messages pushed outside the passive reply: written first, delivered by a sweep.

A row is written before anything is sent, so a crash loses nothing; each row is claimed by
one process at a time (a guarded update of ``next_attempt_at``), so nothing is sent twice
by two sweepers. Refusals (quota, window) are held for the person's next message; transient
failures back off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from handlers.ports import DeliveryFailed, DeliveryRefused, Messenger
from storage import clock
from storage.models import OutboxMessage, OutboxStatus

CLAIM_LEASE = timedelta(seconds=60)
HOLD = timedelta(days=3650)  # refused: wait for the person to write to us again
MAX_ATTEMPTS = 12


@dataclass
class SweepResult:
    sent: int = 0
    held: int = 0
    retried: int = 0
    failed: int = 0


async def enqueue(openid: str, text: str, key: str, using_db: Any = None) -> OutboxMessage:
    """Idempotent by ``key``: enqueuing the same key twice keeps the first row.

    Pass the connection of an open transaction as ``using_db`` so the message commits (or
    rolls back) with the change it reports.
    """
    existing = await OutboxMessage.filter(key=key).using_db(using_db).first()
    if existing is not None:
        return existing
    try:
        # A savepoint inside an outer transaction: a lost race must not abort the outer one.
        async with in_transaction() as conn:
            return await OutboxMessage.create(key=key, openid=openid, kind="text",
                                              payload={"text": text},
                                              next_attempt_at=clock.now(), using_db=conn)
    except IntegrityError:
        return await OutboxMessage.filter(key=key).using_db(using_db).get()


async def _claim(row_id: int) -> bool:
    now = clock.now()
    claimed = await OutboxMessage.filter(
        id=row_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM_LEASE)
    return claimed == 1


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2 ** min(attempts, 10)))


async def deliver(row: OutboxMessage, messenger: Messenger, result: SweepResult) -> None:
    if not await _claim(row.id):
        return
    now = clock.now()
    try:
        await messenger.send_text(row.openid, row.payload["text"])
    except DeliveryRefused as exc:
        await OutboxMessage.filter(id=row.id).update(
            next_attempt_at=now + HOLD, last_error=f"refused {exc.code}"[:255],
            attempts=row.attempts + 1)
        result.held += 1
    except DeliveryFailed as exc:
        attempts = row.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            await OutboxMessage.filter(id=row.id).update(
                status=OutboxStatus.FAILED, attempts=attempts, last_error=str(exc)[:255])
            result.failed += 1
        else:
            await OutboxMessage.filter(id=row.id).update(
                next_attempt_at=now + _backoff(attempts), attempts=attempts,
                last_error=str(exc)[:255])
            result.retried += 1
    else:
        await OutboxMessage.filter(id=row.id).update(
            status=OutboxStatus.SENT, sent_at=now, attempts=row.attempts + 1, last_error="")
        result.sent += 1


async def deliver_due(messenger: Messenger, limit: int = 200) -> SweepResult:
    """One sweep: deliver what is due, oldest first."""
    result = SweepResult()
    rows = await OutboxMessage.filter(
        status=OutboxStatus.PENDING, next_attempt_at__lte=clock.now()
    ).order_by("next_attempt_at", "id").limit(limit)
    for row in rows:
        await deliver(row, messenger, result)
    return result


async def release_held(openid: str) -> int:
    """The person wrote to us: the customer-service window is open again for held messages."""
    return await OutboxMessage.filter(
        openid=openid, status=OutboxStatus.PENDING, next_attempt_at__gt=clock.now() + CLAIM_LEASE
    ).update(next_attempt_at=clock.now())
