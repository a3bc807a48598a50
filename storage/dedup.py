"""Exactly one effect per inbound message.

WeChat delivers a message up to four times. The Redis half answers quickly: the first
delivery claims the key (SET NX) and later ones wait for its reply. The database half is a
unique row written in the same transaction as the effect, so even if Redis forgot the key
the effect cannot happen twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import Enum

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storage import aftercommit, keys
from storage.core.models import ProcessedMessage
from storage.kv import KV

# A claim in progress holds PENDING + b":" + its owner's token, under a short lease the
# owner renews (storage.turn); a finished one holds the reply for DEDUP_TTL.
PENDING = b"\x00pending"
NO_REPLY = b"\x00none"
# WeChat retries within about 15 s; an hour is ample and keeps Redis small. The database
# row behind every effect covers anything later.
DEDUP_TTL = 3600


class AlreadyHandled(Exception):
    """The database already holds this message's effect; ``reply`` is what it answered.

    ``finished``: the effect was the step of a conversation that is now over (a draft that
    was submitted), so the conversation ends instead of staying where it was.
    """

    def __init__(self, reply: str | None, finished: bool = False) -> None:
        super().__init__("message already handled")
        self.reply = reply
        self.finished = finished


class Waited(Enum):
    REPLIED = "replied"  # the first delivery answered (its reply may be None)
    GONE = "gone"  # the claim vanished: released after a failure, or its owner died
    TIMEOUT = "timeout"


class Dedup:
    def __init__(self, kv: KV) -> None:
        self.kv = kv

    async def wait_reply(self, dedup_key: str, timeout: float) -> tuple[Waited, str | None]:
        """Wait for the first delivery's reply, or for its claim to vanish."""
        deadline = time.monotonic() + timeout
        delay = 0.01
        while True:
            value = await self.kv.redis.get(keys.msg(self.kv, dedup_key))
            if value is None:
                return Waited.GONE, None
            if not value.startswith(PENDING):
                return Waited.REPLIED, None if value == NO_REPLY else value.decode()
            if time.monotonic() >= deadline:
                return Waited.TIMEOUT, None
            await asyncio.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 1.5, 0.1)


class EffectRecord:
    """Handed to the code inside ``effect()``: set ``reply`` to store it with the effect."""

    def __init__(self, row: ProcessedMessage) -> None:
        self.row = row
        self.reply: str | None = None


def step_key(conversation_id: str, step: str | None) -> str:
    return f"step:{conversation_id}:{step or ''}"


async def step_done(key: str) -> ProcessedMessage | None:
    """The record of an effect that completed this step, if one did."""
    return await ProcessedMessage.get_or_none(dedup_key=key)


@asynccontextmanager
async def effect(dedup_key: str, openid: str, step_key: str | None = None
                 ) -> AsyncIterator[EffectRecord]:
    """A transaction that records the message as handled; raises AlreadyHandled on repeat.

    ``step_key`` names the conversation step the effect completes (a draft's 确认): it is
    recorded too, so a repeat of that step by another message (a new MsgId after a crash
    left the draft behind) finds the first result instead of doing it again.

    Work the effect registers with ``storage.aftercommit.on_commit`` (the points for a
    confirmation) runs once the transaction has committed; never on rollback or a repeat.
    """
    async with aftercommit.collecting():
        async with _recorded(dedup_key, openid, step_key) as record:
            yield record


@asynccontextmanager
async def _recorded(dedup_key: str, openid: str, step_key: str | None
                    ) -> AsyncIterator[EffectRecord]:
    try:
        async with in_transaction() as conn:
            row = await ProcessedMessage.create(dedup_key=dedup_key, openid=openid, using_db=conn)
            step = None
            if step_key is not None:
                step = await ProcessedMessage.create(dedup_key=step_key, openid=openid,
                                                     using_db=conn)
            record = EffectRecord(row)
            yield record
            if record.reply is not None:
                for done in (row, step):
                    if done is not None:
                        done.reply = record.reply
                        await done.save(using_db=conn, update_fields=["reply"])
    except IntegrityError:
        previous = await ProcessedMessage.get_or_none(dedup_key=dedup_key)
        stepped = (await ProcessedMessage.get_or_none(dedup_key=step_key)
                   if step_key is not None else None)
        if previous is None and stepped is None:
            raise
        first = previous if previous is not None else stepped
        raise AlreadyHandled(first.reply, finished=stepped is not None) from None
