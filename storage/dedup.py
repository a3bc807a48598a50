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

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storage.kv import KV
from storage.models import ProcessedMessage

PENDING = b"\x00pending"
NO_REPLY = b"\x00none"
# WeChat retries within about 15 s; an hour is ample and keeps Redis small. The database
# row behind every effect covers anything later.
DEDUP_TTL = 3600


class AlreadyHandled(Exception):
    """The database already holds this message's effect; ``reply`` is what it answered."""

    def __init__(self, reply: str | None) -> None:
        super().__init__("message already handled")
        self.reply = reply


class Dedup:
    def __init__(self, kv: KV) -> None:
        self.kv = kv

    def _key(self, dedup_key: str) -> str:
        return self.kv.key("msg", dedup_key)

    async def claim(self, dedup_key: str) -> bool:
        """True for the first delivery of a message, False for every repeat."""
        return bool(await self.kv.redis.set(self._key(dedup_key), PENDING, nx=True, ex=DEDUP_TTL))

    async def remember(self, dedup_key: str, reply: str | None) -> None:
        value = NO_REPLY if reply is None else reply.encode()
        await self.kv.redis.set(self._key(dedup_key), value, ex=DEDUP_TTL)

    async def forget(self, dedup_key: str) -> None:
        """Release a claim whose handling failed with no effect, so a retry may try again."""
        await self.kv.redis.delete(self._key(dedup_key))

    async def wait_reply(self, dedup_key: str, timeout: float) -> tuple[bool, str | None]:
        """Wait for the first delivery's reply: (known, reply). known is False on timeout."""
        deadline = time.monotonic() + timeout
        delay = 0.01
        while True:
            value = await self.kv.redis.get(self._key(dedup_key))
            if value is None:
                return True, None  # released after a failure: nothing to repeat
            if value != PENDING:
                return True, None if value == NO_REPLY else value.decode()
            if time.monotonic() >= deadline:
                return False, None
            await asyncio.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 1.5, 0.1)


class EffectRecord:
    """Handed to the code inside ``effect()``: set ``reply`` to store it with the effect."""

    def __init__(self, row: ProcessedMessage) -> None:
        self.row = row
        self.reply: str | None = None


@asynccontextmanager
async def effect(dedup_key: str, openid: str) -> AsyncIterator[EffectRecord]:
    """A transaction that records the message as handled; raises AlreadyHandled on repeat."""
    try:
        async with in_transaction() as conn:
            row = await ProcessedMessage.create(dedup_key=dedup_key, openid=openid, using_db=conn)
            record = EffectRecord(row)
            yield record
            if record.reply is not None:
                row.reply = record.reply
                await row.save(using_db=conn, update_fields=["reply"])
    except IntegrityError:
        previous = await ProcessedMessage.get_or_none(dedup_key=dedup_key)
        if previous is None:
            raise
        raise AlreadyHandled(previous.reply) from None
