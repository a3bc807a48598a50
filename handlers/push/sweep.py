"""One outbox sweep with many sends in flight, fetching more rows while sends run.

Rows are claimed a chunk at a time, just before they are sent (one update per chunk, so a
lease never runs out while rows wait their turn). Rows that went out are marked sent in
batches: whatever finished while the previous batch was being written goes in the next
one, so a crash can repeat at most the sends of one such write.

One person's messages go one after another, oldest first (rows come due-time then id
order): each waits for the one before it, so their customer-service budget (5 a window) is
spent on the oldest and the rest fall to the next channel in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from handlers.ports import Messenger
from handlers.push import channels, images, leases
from handlers.push.settle import SweepResult, settle
from storage import clock
from storage.core.models import OutboxMessage, OutboxStatus
from storage.kv import KV

log = logging.getLogger(__name__)

Fetch = Callable[[int], Awaitable[list[OutboxMessage]]]


class Sweep:
    def __init__(self, messenger: Messenger, kv: KV | None, concurrency: int) -> None:
        self.messenger = messenger
        self.kv = kv
        self.concurrency = max(1, concurrency)
        self.result = SweepResult()
        self._sent: list[tuple[list[OutboxMessage], str, str]] = []
        # openid -> their rows sent in this sweep, not marked yet: their photos need not wait
        self._sent_ids: dict[str, set[int]] = {}
        self._writer: asyncio.Task | None = None
        self._last: dict[str, asyncio.Task] = {}  # openid -> their latest send in flight
        self._waits: images.Waits = {}  # photos waiting behind a notice (images.settle_image)

    async def run(self, fetch: Fetch, limit: int) -> SweepResult:
        """Deliver rows from ``fetch(n)`` (due leads, at most n) until it has none or
        ``limit`` were taken; the next batch is fetched while the last one is in flight."""
        slots = asyncio.Semaphore(self.concurrency)
        chunk = max(1, self.concurrency // 2)
        tasks: set[asyncio.Task] = set()
        taken = 0
        while taken < limit and (leads := await fetch(min(limit - taken, 5 * chunk))):
            taken += len(leads)
            started = 0
            for start in range(0, len(leads), chunk):
                started += await self._start(leads[start:start + chunk], slots, tasks)
            if not started:  # all taken by other senders meanwhile
                break
        await asyncio.gather(*tasks)
        while self._writer is not None and not self._writer.done():
            await self._writer
        return self.result

    async def _start(self, part: list[OutboxMessage], slots: asyncio.Semaphore,
                     tasks: set[asyncio.Task]) -> int:
        for _ in part:
            await slots.acquire()
        try:
            token, groups = await leases.claim_batch(part)
            chatting = (await channels.chatting_among(self.kv, [g[0].openid for g in groups])
                        if self.kv is not None else set())
        except Exception:  # the claimed rows go again when their lease runs out
            log.exception("claiming outbox rows failed")
            groups = []
        for _ in range(len(part) - len(groups)):
            slots.release()
        for rows in groups:
            openid = rows[0].openid
            task = asyncio.create_task(self._one(rows, token, openid in chatting,
                                                 self._last.get(openid)))
            self._last[openid] = task
            task.add_done_callback(lambda t: (slots.release(), tasks.discard(t)))
            tasks.add(task)
        return len(groups)

    async def _one(self, rows: list[OutboxMessage], token: str, chatting: bool,
                   before: asyncio.Task | None) -> None:
        if before is not None:  # the person's older message goes first
            await asyncio.wait({before})
        try:
            if rows[0].kind == images.KIND:
                await images.settle_image(rows[0], token, self.messenger, self.result, self.kv,
                                          self._waits, self._on_sent,
                                          self._sent_ids.get(rows[0].openid))
                return
            await settle(rows, token, self.messenger, self.result, self.kv, self._on_sent,
                         chatting if self.kv is not None else None)
        except Exception:  # one bad row must not stop the sweep: its claim runs out
            log.exception("outbox rows %s failed", [r.id for r in rows])

    def _on_sent(self, rows: list[OutboxMessage], token: str, channel: str) -> None:
        self._sent.append((rows, token, channel))
        self._sent_ids.setdefault(rows[0].openid, set()).update(r.id for r in rows)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        while self._sent:
            batch, self._sent = self._sent, []
            by_claim: dict[tuple[str, str], list[int]] = {}
            for rows, token, channel in batch:
                by_claim.setdefault((token, channel), []).extend(r.id for r in rows)
            for (token, channel), ids in by_claim.items():
                try:
                    await leases.finish_ids(ids, token, status=OutboxStatus.SENT,
                                            sent_at=clock.now(), last_error="",
                                            channel=channel, attempt=True)
                except Exception:  # the lease runs out and the rows go again: logged loudly
                    log.exception("marking %d outbox rows sent failed", len(ids))
