"""Exactly one effect per inbound message.

WeChat delivers a message up to four times. The Redis half answers quickly: the first
delivery claims the key (SET NX) and later ones wait for its reply. The database half is a
unique row written in the same transaction as the effect, so even if Redis forgot the key
the effect cannot happen twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from enum import Enum
from typing import Any

from tortoise import Tortoise, timezone

from storage import aftercommit, facts, held, keys
from storage.asyncpg_pool import LazyTransaction, lazy_transaction
from storage.core.models import ProcessedMessage
from storage.inserts import insert_many
from storage.kv import KV
from storage.rows import get_where

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
    """Handed to the code inside ``effect()``: set ``reply`` to store it with the effect.

    ``holds``: the record's statement also sends what waited for it (PostgreSQL,
    ``storage.held``); ``BeforeRecord`` may then make the reply conditional (``reply_if``)."""

    def __init__(self, holds: bool = False) -> None:
        self.reply: str | None = None
        self.holds = holds
        # The effect wrote something of the person's that counts as left behind (a new
        # case): held, the record's statement cannot see it, so it says so (the notice).
        self.leaves = False
        self.condition: tuple[str, list[Any], str] | None = None

    def reply_if(self, sql: str, values: list[Any], reply: str) -> None:
        """Only where ``holds``: the record's statement runs ``sql`` (an INSERT ... RETURNING)
        too, and stores ``reply`` instead of ``self.reply`` if it inserted a row; ``self.reply``
        is what was stored once the record is written."""
        if not self.holds:
            raise RuntimeError("reply_if needs a record that holds (PostgreSQL)")
        self.condition = (sql, values, reply)


# Called inside the effect's transaction, after its work and before the record is written,
# with the transaction's connection: may still change the reply (the privacy notice).
BeforeRecord = Callable[[Any, EffectRecord], Awaitable[None]]


def step_key(conversation_id: str, step: str | None) -> str:
    return f"step:{conversation_id}:{step or ''}"


_RECORD_FIELDS = ("dedup_key", "openid", "reply", "created_at")
_RECORD_CREATED = ProcessedMessage._meta.fields_map["created_at"]


async def step_done(key: str, with_facts: bool = False) -> ProcessedMessage | None:
    """The record of an effect that completed this step, if one did (every message to a
    step that may take an effect asks: one prepared statement). ``with_facts``: the facts'
    version is read in the same statement, as the open ``readonce.scope``'s read of it."""
    if with_facts:
        return await facts.read_with(ProcessedMessage, dedup_key=key)
    return await get_where(ProcessedMessage, dedup_key=key)


@asynccontextmanager
async def effect(dedup_key: str, openid: str, step_key: str | None = None,
                 before_record: BeforeRecord | None = None) -> AsyncIterator[EffectRecord]:
    """A transaction that records the message as handled; raises AlreadyHandled on repeat.

    ``step_key`` names the conversation step the effect completes (a draft's 确认): it is
    recorded too, so a repeat of that step by another message (a new MsgId after a crash
    left the draft behind) finds the first result instead of doing it again.

    Work the effect registers with ``storage.aftercommit.on_commit`` (the points for a
    confirmation) runs once the transaction has committed; never on rollback or a repeat.
    ``before_record`` runs last in the transaction, before the record (``BeforeRecord``).
    """
    async with aftercommit.collecting():
        async with _recorded(dedup_key, openid, step_key, before_record) as record:
            yield record


@asynccontextmanager
async def _recorded(dedup_key: str, openid: str, step_key: str | None,
                    before_record: BeforeRecord | None = None) -> AsyncIterator[EffectRecord]:
    """The effect's transaction, whose last statement records the message (and the step) with
    its reply: one INSERT of one or two rows (it used to be an INSERT per key first and an
    UPDATE per key with the reply last: four statements for a 确认 instead of one).

    A repeat is found either way: if the work goes through, the INSERT fails on the unique key
    and the whole transaction rolls back; if the work refuses (the wish is claimed already -
    by this very message), the refusal is checked against the records. Both answer the first
    delivery's reply (AlreadyHandled). A concurrent repeat waits on the first's uncommitted row
    and fails once it commits.

    On PostgreSQL the INSERTs held inside the effect (``storage.held``: a new case's notices
    to its staff) and the privacy notice's check (``EffectRecord.reply_if``) are parts of
    the record's own statement (``_record_with``), and the transaction's BEGIN waits for its
    first statement (``storage.asyncpg_pool.LazyTransaction``): an effect whose work was all
    held (a new case from the chat) is that one statement, without BEGIN and COMMIT."""
    try:
        async with lazy_transaction(Tortoise.get_connection("default")) as conn:
            with held.holding(conn) as holding:
                record = EffectRecord(holds=holding is not None)
                yield record
                if before_record is not None:
                    await before_record(conn, record)
            written = [dedup_key] if step_key is None else [dedup_key, step_key]
            if holding is not None:
                await _record_with(conn, holding, record, written, openid)
            else:
                await insert_many([ProcessedMessage(dedup_key=key, openid=openid,
                                                    reply=record.reply) for key in written],
                                  conn, fields=_RECORD_FIELDS)
    except AlreadyHandled:
        raise
    except Exception:
        try:
            await _raise_if_handled(dedup_key, step_key)
        except AlreadyHandled:
            raise
        except Exception:  # the database is gone too: the first error says more
            pass
        raise


async def _record_with(conn: Any, holding: held.Held, record: EffectRecord,
                       written: list[str], openid: str) -> None:
    """PostgreSQL: the record's INSERT with what was held ahead of it and the reply's
    condition (``reply_if``), in one statement; ``record.reply`` becomes the reply stored."""
    statements, names = list(holding.statements), None
    plain = record.reply
    if record.condition is not None:
        sql, values, alternative = record.condition
        statements.append((sql, values))
        names = [f"linli_h{i + 1}" for i in range(len(statements) - 1)] + ["linli_if"]
    head, values = held.ahead(statements, names)
    created = _RECORD_CREATED.to_db_value(timezone.now(), None)
    rows = []
    for key in written:
        n = len(values)
        if record.condition is not None:
            reply = f'CASE WHEN EXISTS (SELECT 1 FROM "linli_if") THEN ${n + 3} ELSE ${n + 4} END'
            values.extend([key, openid, alternative, plain, created])
            rows.append(f"(${n + 1}, ${n + 2}, {reply}, ${n + 5})")
        else:
            values.extend([key, openid, plain, created])
            rows.append(f"(${n + 1}, ${n + 2}, ${n + 3}, ${n + 4})")
    send = conn.alone if isinstance(conn, LazyTransaction) else conn.execute_query_dict
    stored = await send(
        f'{head}INSERT INTO "{ProcessedMessage._meta.db_table}" ("dedup_key", "openid", '
        f'"reply", "created_at") VALUES {", ".join(rows)} RETURNING "reply"', values)
    record.reply = stored[0]["reply"]


async def _raise_if_handled(dedup_key: str, step_key: str | None) -> None:
    """AlreadyHandled with the first reply if the message or its step was recorded."""
    keys = [dedup_key] if step_key is None else [dedup_key, step_key]
    found = {row.dedup_key: row for row in await ProcessedMessage.filter(dedup_key__in=keys)}
    previous, stepped = found.get(dedup_key), found.get(step_key) if step_key else None
    if previous is None and stepped is None:
        return
    first = previous if previous is not None else stepped
    raise AlreadyHandled(first.reply, finished=stepped is not None) from None
