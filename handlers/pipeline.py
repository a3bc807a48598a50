"""One inbound message, end to end: dedup, per-person lock, state, route, reply, deadline."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from handlers import outbox, texts
from handlers.context import Context, Services
from handlers.engine import Router
from handlers.inbound import Inbound
from storage import clock, presence
from storage.dedup import AlreadyHandled, Dedup
from storage.models import Person
from storage.state import StateStore, person_lock

log = logging.getLogger(__name__)

SEEN_WRITE_EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class Result:
    reply: str | None
    repeat: bool = False  # a repeated delivery answered from the first one
    late: bool = False  # the deadline passed: the reply goes through the outbox
    failed: bool = False


class Pipeline:
    def __init__(self, router: Router, services: Services, deadline: float = 4.0) -> None:
        self.router = router
        self.services = services
        self.deadline = deadline
        self.dedup = Dedup(services.kv)
        self.states = StateStore(services.kv)
        self._background: set[asyncio.Task] = set()

    async def handle(self, msg: Inbound) -> Result:
        if not await self.dedup.claim(msg.dedup_key):
            _known, reply = await self.dedup.wait_reply(msg.dedup_key, self.deadline)
            return Result(reply, repeat=True)
        task = asyncio.create_task(self._process(msg))
        finished, _ = await asyncio.wait({task}, timeout=self.deadline)
        if task in finished:
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
        return Result(task.result())

    async def _process(self, msg: Inbound) -> str | None:
        try:
            async with person_lock(self.services.kv, msg.openid):
                reply = await self._locked(msg)
        except BaseException:
            await self.dedup.forget(msg.dedup_key)
            raise
        await self.dedup.remember(msg.dedup_key, reply)
        return reply

    async def _locked(self, msg: Inbound) -> str | None:
        person = await self._person(msg)
        state = await self.states.load(msg.openid)
        ctx = Context(msg=msg, person=person, state=state, services=self.services)
        try:
            reply = await self.router.dispatch(ctx)
        except AlreadyHandled as repeat:
            return repeat.reply
        await self.states.save(msg.openid, state, ttl=self.router.timeout_of(state.conversation))
        return reply

    async def _person(self, msg: Inbound) -> Person:
        now = clock.now()
        person, created = await Person.get_or_create(
            openid=msg.openid, defaults={"last_message_at": now})
        await presence.mark_seen(self.services.kv, msg.openid, now)
        last = person.last_message_at
        if not created and (last is None or now - last >= SEEN_WRITE_EVERY):
            person.last_message_at = now
            await person.save(update_fields=["last_message_at"])
            await outbox.release_held(msg.openid)
        return person

    async def _late(self, msg: Inbound, task: asyncio.Task) -> None:
        result = self._result(task)
        if result.reply is None:
            return
        await outbox.enqueue(msg.openid, result.reply, key=f"reply:{msg.dedup_key}")
        if self.services.messenger is not None:
            await outbox.deliver_due(self.services.messenger, limit=20)

    def _keep(self, task: asyncio.Task) -> None:
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Wait for late replies still being handled (on shutdown and in tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
