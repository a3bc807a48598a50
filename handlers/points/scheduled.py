"""Sweeps over points (bot/scheduler.py JOBS).

``sweep_reservations`` (job ``points_reservations``): voids reservations not picked up in
time through ``rewards.redemption.expire_reservations()`` (points and the unit go back) and
tells each resident through the outbox. The void commits before the message is written, so
each sweep also looks back over recent lapses for any whose message a crash lost; the outbox
key (one per redemption) keeps it to one message however often that runs.

``sweep_expiry`` (job ``points_expiry``): only when rules.json enables expiry (off by
default): the reminders 30 days before points expire, then the expiry itself.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from handlers import outbox
from handlers.points import render, texts
from rewards import expiry, redemption
from rewards.policy import load_rules
from rewards.values import ExpiredPoints, ExpiryReminder, RedemptionView
from storage import clock
from storage.core.models import OutboxMessage
from storage.ledger.models import Redemption, RedemptionStatus
from storage.redact import hash_openid

if TYPE_CHECKING:
    from handlers.context import Services

log = logging.getLogger(__name__)

LOOK_BACK = timedelta(days=2)
BATCH = 500


def lapsed_key(redemption_id: int) -> str:
    return f"points:lapsed:{redemption_id}"


async def tell_lapsed(r: RedemptionView) -> None:
    days = round((r.expires_at - r.created_at) / timedelta(days=1))
    text = texts.N_LAPSED.format(name=r.reward_name, code=r.code, days=days, cost=r.cost)
    await outbox.enqueue(r.openid, text, key=lapsed_key(r.id))


async def expire_and_tell() -> int:
    voided = await redemption.expire_reservations(limit=BATCH)
    for r in voided:
        try:
            await tell_lapsed(r)
        except Exception:
            log.exception("points sweep: telling %s about redemption %s failed",
                          hash_openid(r.openid), r.id)
    return len(voided)


async def tell_missed() -> int:
    """Lapses of the last two days whose message is not in the outbox (a crash between the
    void and the message): write it now."""
    rows = await Redemption.filter(
        status=RedemptionStatus.EXPIRED, resolved_at__gte=clock.now() - LOOK_BACK
    ).order_by("-id").limit(BATCH).values_list("id", "openid")
    wanted = {lapsed_key(rid): (rid, openid) for rid, openid in rows}
    if not wanted:
        return 0
    have = set(await OutboxMessage.filter(key__in=list(wanted)).values_list("key", flat=True))
    told = 0
    for key in wanted.keys() - have:
        rid, openid = wanted[key]
        try:
            mine = await redemption.my_redemptions(openid, limit=BATCH)
            for r in (r for r in mine if r.id == rid):
                await tell_lapsed(r)
                told += 1
        except Exception:
            log.exception("points sweep: catching up on redemption %s failed", rid)
    return told


async def sweep_reservations(services: Services) -> None:
    """Job ``points_reservations``."""
    await expire_and_tell()
    await tell_missed()


def reminder_key(reminder: ExpiryReminder) -> str:
    return f"points:expiry-reminder:{reminder.openid}:{clock.local(reminder.expires_at).date()}"


async def remind(reminder: ExpiryReminder) -> None:
    last_day = reminder.expires_at - timedelta(days=1)
    text = texts.N_EXPIRY_REMINDER.format(amount=reminder.amount, valid_until=render.day(last_day))
    await outbox.enqueue(reminder.openid, text, key=reminder_key(reminder))


async def tell_expired(expired: ExpiredPoints) -> None:
    text = texts.N_POINTS_EXPIRED.format(amount=expired.amount)
    await outbox.enqueue(expired.openid, text, key=f"points:expired:{expired.transfer_id}")


async def sweep_expiry(services: Services) -> None:
    """Job ``points_expiry``: nothing at all unless ``expiry.enabled`` in rules.json."""
    rules = load_rules()
    if not rules.expiry_enabled:
        return
    for reminder in await expiry.expiry_reminders(rules=rules):
        try:
            await remind(reminder)
        except Exception:
            log.exception("points expiry: reminding %s failed", hash_openid(reminder.openid))
    for expired in await expiry.run_expiry_sweep(rules=rules):
        try:
            await tell_expired(expired)
        except Exception:
            log.exception("points expiry: telling %s failed", hash_openid(expired.openid))
