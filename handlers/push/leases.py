"""Leases on outbox rows: one sender at a time claims them; if it dies, the lease runs out.

A claim is a guarded update (only rows nobody holds, or whose lease ran out) that writes a
random token; the rows carrying the token are the claimer's. Every later change of a claimed
row is guarded by the same token.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from tortoise.expressions import Q

from storage import clock
from storage.core.models import OutboxMessage, OutboxStatus
from storage.rows import update_ids

CLAIM_LEASE = timedelta(seconds=60)


def free(now) -> Q:
    """Rows nobody holds: never claimed, released, or their lease ran out."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)


async def claim_group(row: OutboxMessage, *, due: bool = True) -> tuple[str, list[OutboxMessage]]:
    """Claim ``row`` (if due and free) and its pending siblings: same person, same subject.

    Returns the token and the claimed rows, oldest first (no rows: someone else has it).
    """
    now = clock.now()
    token = secrets.token_hex(8)
    hold = {"claim": token, "claimed_until": now + CLAIM_LEASE, "next_attempt_at": now + CLAIM_LEASE}
    lead = OutboxMessage.filter(free(now), id=row.id, status=OutboxStatus.PENDING)
    if due:
        lead = lead.filter(next_attempt_at__lte=now)
    if await lead.update(**hold) != 1:
        return token, []
    if not row.subject:
        row.claim, row.claimed_until = token, hold["claimed_until"]
        return token, [row]
    await OutboxMessage.filter(free(now), openid=row.openid, subject=row.subject,
                               status=OutboxStatus.PENDING).update(**hold)
    return token, await claimed(row.openid, token)


async def claim_person(openid: str, limit: int = 20) -> tuple[str, list[OutboxMessage]]:
    """Claim the person's pending text rows nobody holds, due or not (for the passive reply:
    an image cannot ride on a text)."""
    now = clock.now()
    token = secrets.token_hex(8)
    ids = await OutboxMessage.filter(free(now), openid=openid, status=OutboxStatus.PENDING
                                     ).exclude(kind="image").order_by("id").limit(
                                         limit).values_list("id", flat=True)
    if not ids:
        return token, []
    await OutboxMessage.filter(free(now), id__in=list(ids), status=OutboxStatus.PENDING).update(
        claim=token, claimed_until=now + CLAIM_LEASE)
    return token, await claimed(openid, token)


async def claimed(openid: str, token: str) -> list[OutboxMessage]:
    return await OutboxMessage.filter(openid=openid, claim=token).order_by("id")


async def finish(rows: list[OutboxMessage], token: str, *, attempt: bool = False,
                 **changes: Any) -> int:
    """Apply ``changes`` to the rows still held by ``token`` and release them (one statement
    built once per set of changes: ``storage.rows.update_ids``). ``attempt``: each row's
    ``attempts`` goes up by one (a delivery of several rows, whose counts may differ)."""
    return await finish_ids([r.id for r in rows], token, attempt=attempt, **changes)


async def finish_ids(ids: list[int], token: str, *, attempt: bool = False,
                     **changes: Any) -> int:
    """``finish`` of the rows with these ids."""
    return await update_ids(OutboxMessage, ids,
                            {**changes, "claim": None, "claimed_until": None}, {"claim": token},
                            add={"attempts": 1} if attempt else None)


async def release(rows: list[OutboxMessage], token: str) -> int:
    """Give rows back untouched (nothing was sent)."""
    return await finish(rows, token)


async def claim_batch(leads: list[OutboxMessage]) -> tuple[str, list[list[OutboxMessage]]]:
    """Claim many due rows in one update (and their subject siblings in one more).

    Returns the token and the claimed groups, one per lead that was still due and free.
    """
    now = clock.now()
    token = secrets.token_hex(8)
    hold = {"claim": token, "claimed_until": now + CLAIM_LEASE, "next_attempt_at": now + CLAIM_LEASE}
    count = await OutboxMessage.filter(
        free(now), id__in=[r.id for r in leads], status=OutboxStatus.PENDING,
        next_attempt_at__lte=now).update(**hold)
    subjects = {r.subject for r in leads if r.subject}
    if count == len(leads) and not subjects:
        for row in leads:
            row.claim, row.claimed_until = token, hold["claimed_until"]
        return token, [[row] for row in leads]
    openids = {r.openid for r in leads}
    if subjects:
        await OutboxMessage.filter(free(now), openid__in=openids, subject__in=subjects,
                                   status=OutboxStatus.PENDING).update(**hold)
    rows = await OutboxMessage.filter(openid__in=openids, claim=token).order_by("id")
    lead_ids = {r.id for r in leads}
    groups: dict[object, list[OutboxMessage]] = {}
    for row in rows:
        groups.setdefault(_group(row), []).append(row)
    ours = [g for g in groups.values() if any(r.id in lead_ids for r in g)]
    extra = [r for g in groups.values() if g not in ours for r in g]
    if extra:  # siblings of a lead that was no longer due or free: not ours to send now
        await release(extra, token)
    return token, ours


def _group(row: OutboxMessage) -> object:
    return (row.openid, row.subject) if row.subject else row.id
