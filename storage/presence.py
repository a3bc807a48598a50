"""When a person last wrote to us: WeChat's customer-service window is 48 h from then.

``storage.turn`` notes it with every message (``storage.keys.seen``); this reads it."""

from __future__ import annotations

from datetime import UTC, datetime

from storage import keys
from storage.kv import KV

WINDOW_SECONDS = 48 * 3600


async def last_seen(kv: KV, openid: str) -> datetime | None:
    raw = await kv.redis.get(keys.seen(kv, openid))
    return datetime.fromtimestamp(float(raw), UTC) if raw else None
