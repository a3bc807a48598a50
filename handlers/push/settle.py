"""What happens to claimed rows after one delivery attempt: sent, offered, held, retried."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from handlers.ports import Messenger
from handlers.push import channels, leases, reply
from handlers.push.compose import compose, quiet_until
from storage import clock
from storage.core.models import OutboxMessage, OutboxStatus
from storage.kv import KV

HOLD = timedelta(days=3650)  # refused everywhere: wait for the person to write to us again
OFFER_WAIT = timedelta(seconds=60)  # offered to the next reply: then the other channels
MAX_ATTEMPTS = 12

# Called instead of marking rows sent one by one: (rows, claim token, channel).
OnSent = Callable[[list[OutboxMessage], str, str], None]


@dataclass
class SweepResult:
    sent: int = 0
    held: int = 0
    retried: int = 0
    failed: int = 0
    offered: int = 0  # waiting for the next passive reply
    quiet: int = 0  # waiting for the end of the quiet hours
    channels: Counter = field(default_factory=Counter)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2 ** min(attempts, 10)))


async def mark_sent(rows: list[OutboxMessage], token: str, channel: str) -> None:
    await leases.finish(rows, token, status=OutboxStatus.SENT, sent_at=clock.now(),
                        last_error="", channel=channel, attempt=True)


async def settle(rows: list[OutboxMessage], token: str, messenger: Messenger,
                 result: SweepResult, kv: KV | None, on_sent: OnSent | None = None,
                 is_chatting: bool | None = None) -> None:
    """Deliver claimed rows of one person and subject as one message, and record the outcome."""
    now = clock.now()
    openid = rows[0].openid
    wait = None if any(r.urgent for r in rows) else quiet_until(now)
    if wait is not None:
        await leases.finish(rows, token, next_attempt_at=wait)
        result.quiet += 1
        if kv is not None:
            await reply.mark_waiting(kv, openid)
        return
    text, notice = compose(rows)
    outcome = await channels.choose_and_send(rows, text, notice, messenger, kv, is_chatting)
    attempts = max(r.attempts for r in rows) + 1
    error = outcome.error[:255]
    if outcome.channel == channels.REPLY and kv is not None:
        await reply.mark_waiting(kv, openid)
        await leases.finish(rows, token, channel=channels.REPLY, next_attempt_at=now + OFFER_WAIT)
        result.offered += 1
    elif outcome.channel:
        result.sent += 1
        result.channels[outcome.channel] += 1
        if on_sent is not None:
            on_sent(rows, token, outcome.channel)
        else:
            await mark_sent(rows, token, outcome.channel)
    elif not outcome.transient:
        await leases.finish(rows, token, next_attempt_at=now + HOLD, attempts=attempts,
                            last_error=error)
        if kv is not None:
            await reply.mark_waiting(kv, openid)
        result.held += 1
    elif attempts >= MAX_ATTEMPTS:
        await leases.finish(rows, token, status=OutboxStatus.FAILED, attempts=attempts,
                            last_error=error)
        result.failed += 1
    else:
        await leases.finish(rows, token, next_attempt_at=now + backoff(attempts),
                            attempts=attempts, last_error=error)
        result.retried += 1
