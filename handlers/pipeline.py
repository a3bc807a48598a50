"""One inbound message, end to end: dedup, per-person lock, state, route, reply, deadline."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from handlers import outbox, texts
from handlers.context import Context, Retention, Services
from handlers.engine import Router
from handlers.inbound import Inbound
from handlers.privacy import notice as privacy_notice
from handlers.push import reply as notices
from storage import aftercommit, clock, person_cache
from storage.core.models import Person
from storage.dedup import AlreadyHandled, Dedup, EffectRecord, Waited, step_key
from storage.inserts import insert_or_get
from storage.state import ConversationState
from storage.turn import Snapshot, Start, TurnStore

log = logging.getLogger(__name__)

SEEN_WRITE_EVERY = timedelta(minutes=10)
EXPIRED_MEMORY = 24 * 3600  # s after a conversation's timeout that a late answer is explained


@dataclass(frozen=True)
class Result:
    reply: str | None
    repeat: bool = False  # a repeated delivery answered from the first one
    late: bool = False  # the deadline passed: the reply goes through the outbox
    failed: bool = False


async def _done_within(task: asyncio.Task, timeout: float) -> bool:
    """Wait for ``task`` at most ``timeout`` s, leaving it running; True if it is done.

    ``asyncio.wait({task}, timeout=...)`` for one task, without its sets, its checks of the
    arguments and its result sets: once per message, it showed in the webhook's profile.
    Cancelling the caller leaves the task running, as ``asyncio.wait`` does."""
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()

    def wake(_: object = None) -> None:
        if not waiter.done():
            waiter.set_result(None)

    timer = loop.call_later(timeout, wake)
    task.add_done_callback(wake)
    try:
        await waiter
    finally:
        timer.cancel()
        task.remove_done_callback(wake)
    return task.done()


class _Notice:
    """The privacy notice, asked inside a message's effect (``Context.before_record``): the
    effect's stored reply gets it, in the same transaction; what was decided counts once the
    effect has committed (a repeat rolled back is asked afresh, after the message)."""

    def __init__(self, openid: str, retention: Retention) -> None:
        self.openid = openid
        self.retention = retention
        self.asked = False  # with an effect that stored a reply and committed
        self.first = False  # and it was the person's first time

    async def before_record(self, conn: Any, record: EffectRecord) -> None:
        if not record.reply or self.asked:
            return  # no reply to carry it: asked after the message (append_once)
        told = privacy_notice.appended(record.reply, self.retention)
        if record.holds:  # PostgreSQL: decided by the record's own statement
            record.reply_if(*privacy_notice.first_time_statement(self.openid, record.leaves),
                            told)
        elif await privacy_notice.first_time(self.openid, conn):
            record.reply = told

        async def committed() -> None:  # the record's reply says what was decided
            self.asked, self.first = True, record.reply == told

        aftercommit.on_commit(committed)

    async def told(self, reply: str, records: tuple[str | None, ...]) -> str:
        """``reply``, with the notice if this is the first time: as decided with the effect,
        else asked now (the effect's ``records`` get it too)."""
        if self.asked:
            # A flow may answer with the record's reply, which has it already.
            if not self.first or reply.endswith(privacy_notice.text(self.retention)):
                return reply
            return privacy_notice.appended(reply, self.retention)
        return await privacy_notice.append_once(self.openid, reply, self.retention, records)


class Pipeline:
    def __init__(self, router: Router, services: Services, deadline: float = 4.0) -> None:
        self.router = router
        self.services = services
        self.deadline = deadline
        self.dedup = Dedup(services.kv)
        self.turns = TurnStore(services.kv)
        self._background: set[asyncio.Task] = set()

    def _is_command(self, text: str) -> bool:
        return self.router.match(text) is not None

    async def handle(self, msg: Inbound) -> Result:
        task = asyncio.create_task(self._process(msg))
        if await _done_within(task, self.deadline):
            return self._result(task)
        # Past the deadline: answer now with nothing, deliver the reply when it is ready.
        self._keep(task)
        task.add_done_callback(lambda t: self._keep(asyncio.create_task(self._late(msg, t))))
        return Result(None, late=True)

    def _result(self, task: asyncio.Task) -> Result:
        exc = task.exception()
        if exc is not None:
            log.error("handling failed", exc_info=exc)
            return Result(texts.BUSY, failed=True)
        return task.result()

    async def _process(self, msg: Inbound) -> Result:
        """Claim, lock, load, route, save, release; a repeat waits for the first reply, and
        takes the message over if the first delivery's claim vanishes (its process died, or
        it failed with no effect)."""
        now = clock.now()
        until = time.monotonic() + self.deadline * 0.9
        while True:
            start, turn = await self.turns.begin(msg.openid, msg.dedup_key, now)
            if start is Start.ENTERED:
                break
            waited, reply = await self.dedup.wait_reply(
                msg.dedup_key, max(0.0, until - time.monotonic()))
            if waited is not Waited.GONE:
                return Result(reply, repeat=True)
        try:
            cached = person_cache.decode(turn.person)
            person = await self._person(msg, now, cached)
            ctx = Context(msg=msg, person=person, state=turn.state, services=self.services,
                          is_command=self._is_command)
            notice = _Notice(msg.openid, self.services.retention)
            ctx.before_record = notice.before_record
            # Where this message's effect is recorded: its dedup key, the step it completes.
            records = (msg.dedup_key, step_key(turn.state.id, turn.state.step)
                       if turn.state.id else None)
            try:
                reply = await self.router.dispatch(ctx)
                state = turn.state
            except AlreadyHandled as repeat:
                # The database had it: change nothing, or end the conversation whose step
                # it completed (the draft is submitted).
                reply = repeat.reply
                state = ConversationState() if repeat.finished else None
            if reply and ctx.changed:
                # The first time something of theirs is kept: what, who sees it, how long.
                reply = await notice.told(reply, records)
            # Pending progress notices ride on this reply (a Redis flag says whether to look).
            taken = (await notices.take(self.services.kv, msg.openid, flagged=turn.notices)
                     if reply else None)
            if taken is not None:
                reply = notices.appended(reply, taken)
        except BaseException:
            await self.turns.abort(msg.openid, msg.dedup_key, turn)
            raise
        snapshot = self._snapshot(ctx, state, cached, now)
        ttl = self._ttl(turn.state.conversation)
        expired, expired_ttl = self._expired(turn.state, ttl)
        try:
            await self.turns.finish(turn, reply, state, ttl, person=snapshot,
                                    person_ttl=person_cache.TTL, expired=expired,
                                    expired_ttl=expired_ttl)
        except BaseException:
            # Free the person at once if Redis lets us; else the lease frees them shortly.
            with contextlib.suppress(Exception):
                await self.turns.abort(msg.openid, msg.dedup_key, turn)
            raise
        if taken is not None:
            await notices.confirm(self.services.kv, msg.openid, taken)
        return Result(reply)

    def _ttl(self, conversation: str | None) -> int:
        """How long a draft lives: the flow's own timeout, never past the retention cap."""
        return min(self.router.timeout_of(conversation),
                   self.services.retention.draft_hours * 3600)

    def _expired(self, state: ConversationState, ttl: int) -> tuple[str | None, int]:
        """What to say if the conversation times out, and how long to remember it: a day
        past the timeout, never past the draft retention cap (it may quote the draft)."""
        keep = min(ttl + EXPIRED_MEMORY, self.services.retention.draft_hours * 3600)
        if not state.active or keep <= ttl:
            return None, 0
        return self.router.expired_notice(state, max(1, round(ttl / 60))), keep

    @staticmethod
    def _snapshot(ctx: Context, state: ConversationState | None, cached: Person | None,
                  now) -> str | Snapshot | None:
        """The person's snapshot for the next message: none if this one wrote anything. One
        read from the database is kept person_cache.TTL s and not extended by the messages
        that use it, so a change made elsewhere (the CLI, the console) shows within the TTL
        even to a person who writes every few seconds. ``_person`` writing the time of this
        message into the row (``last_message_at``) writes the snapshot again."""
        if ctx.changed or state is None:
            return None
        if cached is not None and ctx.person is cached and cached.last_message_at != now:
            return Snapshot.KEEP
        return person_cache.encode(ctx.person)

    async def _person(self, msg: Inbound, now, cached: Person | None) -> Person:
        person = cached
        if person is None:  # one statement: their row, made on their first message
            person, created = await insert_or_get(
                Person(openid=msg.openid, last_message_at=now), "openid")
            if created:
                return person
        last = person.last_message_at
        if last is None or now - last >= SEEN_WRITE_EVERY:
            person.last_message_at = now
            await person.save(update_fields=["last_message_at"])
            await outbox.release_held(msg.openid)
        return person

    async def _late(self, msg: Inbound, task: asyncio.Task) -> None:
        result = self._result(task)
        if result.reply is None or result.repeat:
            return  # a repeat delivery: the first one answers
        # The answer to the person's own message: never held by the quiet hours.
        row = await outbox.enqueue(msg.openid, result.reply, key=f"reply:{msg.dedup_key}",
                                   urgent=True)
        if self.services.messenger is not None:
            await outbox.deliver(row, self.services.messenger, outbox.SweepResult())

    def _keep(self, task: asyncio.Task) -> None:
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Wait for late replies still being handled (on shutdown and in tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
