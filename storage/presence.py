"""When a person last wrote to us: WeChat's customer-service window is 48 h from then."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.kv import KV

WINDOW_SECONDS = 48 * 3600


async def mark_seen(kv: KV, openid: str, at: datetime) -> None:
    await kv.redis.set(kv.key("seen", openid), str(at.timestamp()), ex=WINDOW_SECONDS)


async def last_seen(kv: KV, openid: str) -> datetime | None:
    raw = await kv.redis.get(kv.key("seen", openid))
    return datetime.fromtimestamp(float(raw), UTC) if raw else None
