"""Scheduled sweeps (APScheduler), run by exactly one process at a time.

Every process may start a scheduler; each job first checks a Redis lease that only one
process holds and renews. If that process dies, the lease runs out and another takes over.
``linli scheduler`` runs the sweeps as a process of their own.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import keys, metrics
from handlers import outbox, photos
from handlers.context import Services
from handlers.points import scheduled as points_sweeps
from handlers.privacy import scheduled as privacy_sweeps
from handlers.reports import scheduled as report_sweeps
from handlers.reports.bulletin import scheduled as bulletin_sweeps
from handlers.wishes import scheduled as wish_sweeps
from storage import keys as redis_keys
from storage.kv import KV, Script

log = logging.getLogger(__name__)

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_renew = Script(_RENEW)


class Lease:
    def __init__(self, kv: KV, name: str, ttl_ms: int = 30_000) -> None:
        self.kv = kv
        self.key = redis_keys.lease(kv, name)
        self.ttl_ms = ttl_ms
        self.owner = secrets.token_hex(8).encode()

    async def hold(self) -> bool:
        """Take the lease if free, renew it if ours; True while we hold it."""
        redis = self.kv.redis
        if await redis.set(self.key, self.owner, nx=True, px=self.ttl_ms):
            return True
        return bool(await _renew([self.key], [self.owner, self.ttl_ms], redis))

    async def release(self) -> None:
        if await self.kv.redis.get(self.key) == self.owner:
            await self.kv.redis.delete(self.key)


async def sweep_outbox(services: Services) -> None:
    if services.messenger is None:
        return
    result = await outbox.deliver_due(services.messenger, kv=services.kv)
    for name in ("sent", "held", "retried", "failed", "offered", "quiet"):
        if count := getattr(result, name):
            metrics.OUTBOX.labels(name).inc(count)


Job = Callable[[Services], Awaitable[None]]

# (name, job, seconds between runs). Domains add their sweeps here.
JOBS: list[tuple[str, Job, int]] = [
    ("outbox", sweep_outbox, 5),
    ("photos", photos.sweep, 5),
    ("photo_uploads", photos.sweep_uploads, 3600),
    ("wish_claims", wish_sweeps.sweep_claims, 60),
    ("wish_awards", wish_sweeps.sweep_awards, 60),
    ("points_reservations", points_sweeps.sweep_reservations, 60),
    ("points_expiry", points_sweeps.sweep_expiry, 3600),
    ("report_sla", report_sweeps.sweep_sla, 60),
    ("report_closing", report_sweeps.sweep_closing, 300),
]

# (name, job, cron fields in Asia/Shanghai). A run missed while no process held the lease
# still runs within the grace time; the jobs are idempotent.
CRON_JOBS: list[tuple[str, Job, dict[str, str | int]]] = [
    ("weekly_bulletin", bulletin_sweeps.weekly, {"day_of_week": "mon", "hour": 8, "minute": 0}),
    ("privacy_retention", privacy_sweeps.sweep_retention, {"hour": 3, "minute": 30}),
]
CRON_GRACE = 3600


def build_scheduler(services: Services, lease: Lease) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="Asia/Shanghai")

    def guarded(name: str, job: Job) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            try:
                if await lease.hold():
                    await job(services)
            except Exception:
                log.exception("scheduled job %s failed", name)
        return run

    for name, job, seconds in JOBS:
        scheduler.add_job(guarded(name, job), "interval", seconds=seconds, id=name,
                          max_instances=1, coalesce=True)
    for name, job, cron in CRON_JOBS:
        scheduler.add_job(guarded(name, job), "cron", **cron, id=name, max_instances=1,
                          coalesce=True, misfire_grace_time=CRON_GRACE)
    return scheduler


async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    lease = Lease(app[keys.KV_STORE], "scheduler")
    scheduler = build_scheduler(app[keys.SERVICES], lease)
    scheduler.start()
    yield
    scheduler.shutdown(wait=False)
    await lease.release()
