"""Messages pushed outside the passive reply: written first, delivered by a sweep.

A row is written before anything is sent (in the transaction of the change it reports), so a
crash loses nothing. A sender claims rows with a lease (``handlers.push.leases``): nothing is
sent twice by two sweepers, and a claimed row whose sender died goes out after the lease.
Pending rows of one person with the same subject go out as one message. Non-urgent pushes
wait out the quiet hours. The channel is chosen per person (``handlers.push.channels``);
refusals fall back to the next channel, then the message is held for the person's next
message; transient failures back off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from handlers.ports import Messenger
from handlers.push import images, leases
from handlers.push.compose import quiet_until
from handlers.push.grants import record_subscribe_grant
from handlers.push.leases import CLAIM_LEASE
from handlers.push.settle import HOLD, MAX_ATTEMPTS, OFFER_WAIT, SweepResult, settle
from handlers.push.sweep import Sweep
from storage import clock
from storage.core.models import OutboxMessage, OutboxStatus
from storage.inserts import insert_many, insert_new
from storage.kv import KV

__all__ = ["CLAIM_LEASE", "HOLD", "MAX_ATTEMPTS", "OFFER_WAIT", "SweepResult", "deliver",
           "deliver_due", "enqueue", "enqueue_image", "record_subscribe_grant", "release_held",
           "together"]

CONCURRENCY = 100  # sends in flight within one sweep
IMAGE_DELAY = timedelta(seconds=3)  # photos follow the notice they belong to

# The rows enqueued inside ``together()``, and the connection they are written on.
_together: ContextVar[tuple[list[OutboxMessage], Any] | None] = ContextVar(
    "linli_outbox_together", default=None)


@asynccontextmanager
async def together(using_db: Any = None) -> AsyncIterator[None]:
    """Write the rows enqueued inside the block in one INSERT when it ends (a new case's
    notices and photos to its staff: one statement, not one per row).

    Each is still idempotent by its key: a row whose key exists already is skipped. The rows
    ``enqueue`` returns inside the block get their ids when it ends (a skipped one none),
    except inside a message's effect on PostgreSQL, where the INSERT goes with the effect's
    record (``storage.held``: one statement less) and the rows get none. Nothing is written
    if the block raises. Nested blocks write with the outermost."""
    if _together.get() is not None:
        yield
        return
    rows: list[OutboxMessage] = []
    token = _together.set((rows, using_db))
    try:
        yield
    finally:
        _together.reset(token)
    await insert_many(rows, using_db, unique="key", may_hold=True)


async def enqueue(openid: str, text: str, key: str, using_db: Any = None, *, subject: str = "",
                  urgent: bool = False, notice: dict[str, str] | None = None) -> OutboxMessage:
    """Idempotent by ``key``: enqueuing the same key twice keeps the first row.

    Pass the connection of an open transaction as ``using_db`` so the message commits (or
    rolls back) with the change it reports. ``subject`` groups rows into one message;
    ``notice`` may add ``head``/``line``/``title``/``status`` (see ``push.compose``).
    """
    now = clock.now()
    due = now if urgent else (quiet_until(now) or now)
    return await _insert(OutboxMessage(
        key=key, openid=openid, kind="text", payload={**(notice or {}), "text": text},
        subject=subject[:64], urgent=urgent, next_attempt_at=due), using_db)


async def _insert(row: OutboxMessage, using_db: Any) -> OutboxMessage:
    """``row``, or the one already written under its key: one INSERT ... ON CONFLICT DO
    NOTHING (a lost race aborts nothing, so no savepoint), a SELECT only on a conflict.
    Inside ``together()`` the row waits for the block's one INSERT."""
    pending = _together.get()
    if pending is not None:
        if pending[1] is not using_db:
            raise RuntimeError("outbox.together(): every row on the block's connection")
        pending[0].append(row)
        return row
    if await insert_new(row, using_db):
        return row
    return await OutboxMessage.filter(key=row.key).using_db(using_db).get()


async def enqueue_image(openid: str, photo_id: int, key: str, using_db: Any = None, *,
                        urgent: bool = False, delay: timedelta = IMAGE_DELAY) -> OutboxMessage:
    """A customer-service image of a photo (``Photo.id``), idempotent by ``key``: sent once
    the photo is stored (``push.images``), ``delay`` after a notice enqueued with it."""
    now = clock.now()
    due = (now if urgent else (quiet_until(now) or now)) + delay
    return await _insert(OutboxMessage(
        key=key, openid=openid, kind=images.KIND, payload={"photo_id": photo_id},
        urgent=urgent, next_attempt_at=due), using_db)


async def _claim(row_id: int) -> bool:
    """Claim one row as a sweeper would (tests use it to play a sender that dies)."""
    row = await OutboxMessage.get(id=row_id)
    return bool((await leases.claim_group(row))[1])


async def deliver(row: OutboxMessage, messenger: Messenger, result: SweepResult,
                  kv: KV | None = None) -> None:
    """Deliver ``row`` with its pending siblings now, if it is due and nobody holds it."""
    token, rows = await leases.claim_group(row)
    if rows and rows[0].kind == images.KIND:
        await images.settle_image(rows[0], token, messenger, result)
    elif rows:
        await settle(rows, token, messenger, result, kv)


async def deliver_due(messenger: Messenger, limit: int = 5000, *, kv: KV | None = None,
                      concurrency: int = CONCURRENCY) -> SweepResult:
    """One sweep: deliver what is due, oldest first, up to ``concurrency`` sends at once
    and ``limit`` rows in all.

    Without ``kv`` the passive-reply channel is not used (and nobody is flagged for it).
    """
    async def fetch(n: int) -> list[OutboxMessage]:
        now = clock.now()
        rows = await OutboxMessage.filter(
            leases.free(now), status=OutboxStatus.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "id").limit(n)
        leads: dict[object, OutboxMessage] = {}
        for row in rows:  # one lead per person and subject: its siblings go with it
            leads.setdefault((row.openid, row.subject) if row.subject else row.id, row)
        return list(leads.values())

    return await Sweep(messenger, kv, concurrency).run(fetch, limit)


async def release_held(openid: str) -> int:
    """The person wrote to us: the customer-service window is open again for held messages."""
    return await OutboxMessage.filter(
        openid=openid, status=OutboxStatus.PENDING, next_attempt_at__gt=clock.now() + CLAIM_LEASE
    ).update(next_attempt_at=clock.now())
