"""Fixed-window counters in Redis."""

from __future__ import annotations

from storage.kv import KV


async def hit(kv: KV, name: str, limit: int, window: int) -> bool:
    """Count one event under ``name``; False once more than ``limit`` fall in ``window`` s."""
    key = kv.key("rl", name)
    async with kv.redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        count, _ = await pipe.execute()
    return int(count) <= limit


async def exceeded(kv: KV, name: str, limit: int) -> bool:
    raw = await kv.redis.get(kv.key("rl", name))
    return raw is not None and int(raw) >= limit
