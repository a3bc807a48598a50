"""Pending notices ride on the person's next passive reply.

The sweep raises a per-person flag in Redis when it holds or offers a notice; the pipeline
checks the flag (one Redis read) and only then looks in the database (one indexed query), so
people with nothing pending pay almost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.push import leases
from handlers.push.channels import REPLY
from handlers.push.compose import compose
from storage import clock, keys
from storage.core.models import OutboxMessage, OutboxStatus
from storage.kv import KV

FLAG_TTL = 30 * 24 * 3600
BUDGET = 600  # characters of notices added to one reply; the rest wait for the next one
SEPARATOR = "\n\n——\n"


@dataclass
class Taken:
    text: str
    token: str
    rows: list[OutboxMessage]


def _flag(kv: KV, openid: str) -> str:
    return keys.notice(kv, openid)


async def mark_waiting(kv: KV, openid: str) -> None:
    await kv.redis.set(_flag(kv, openid), "1", ex=FLAG_TTL)


async def take(kv: KV, openid: str, flagged: bool | None = None) -> Taken | None:
    """Claim the person's pending notices for the reply being built (None: nothing).

    ``flagged``: whether the flag was up, when the caller has read it already (the pipeline
    reads it with the person's state, in the same round trip); None: read it here."""
    if flagged is None:
        flagged = bool(await kv.redis.exists(_flag(kv, openid)))
    if not flagged:
        return None
    token, rows = await leases.claim_person(openid)
    if not rows:
        await kv.redis.delete(_flag(kv, openid))
        return None
    groups: dict[object, list[OutboxMessage]] = {}
    for row in rows:
        groups.setdefault(row.subject or row.id, []).append(row)
    parts: list[str] = []
    used: list[OutboxMessage] = []
    for group in groups.values():
        text, _notice = compose(group)
        if parts and sum(map(len, parts)) + len(text) > BUDGET:
            continue
        parts.append(text)
        used += group
    if rest := [r for r in rows if r not in used]:
        await leases.release(rest, token)
    return Taken("\n\n".join(parts), token, used)


async def confirm(kv: KV, openid: str, taken: Taken) -> None:
    """The reply carrying the notices was stored for the person: they are sent."""
    now = clock.now()
    await leases.finish(taken.rows, taken.token, status=OutboxStatus.SENT, channel=REPLY,
                        sent_at=now, last_error="")
    if not await OutboxMessage.filter(openid=openid, status=OutboxStatus.PENDING).exists():
        await kv.redis.delete(_flag(kv, openid))


def appended(reply: str, taken: Taken) -> str:
    return f"{reply}{SEPARATOR}{taken.text}"
