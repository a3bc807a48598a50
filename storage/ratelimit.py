"""Fixed-window counters in Redis: ``hit`` counts events, ``take``/``give_back`` reserve tries."""

from __future__ import annotations

from storage import keys
from storage.kv import KV, Script


async def hit(kv: KV, name: str, limit: int, window: int) -> bool:
    """Count one event under ``name``; False once more than ``limit`` fall in ``window`` s."""
    key = keys.rate(kv, name)
    async with kv.redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        count, _ = await pipe.execute()
    return int(count) <= limit


# Take one try of ARGV[1] in a fixed window of ARGV[2] seconds, atomically: a take over the
# limit is undone at once, so concurrent callers can never overshoot it. Returns the try's
# number (1 .. limit), or 0 when none is left.
_TAKE = """
local n = redis.call('incr', KEYS[1])
if redis.call('ttl', KEYS[1]) < 0 then redis.call('expire', KEYS[1], ARGV[2]) end
if n > tonumber(ARGV[1]) then
  redis.call('decr', KEYS[1])
  return 0
end
return n
"""
# Give a try back; never below zero, and a window that has ended stays ended.
_GIVE_BACK = """
local n = tonumber(redis.call('get', KEYS[1]) or '0')
if n > 0 then redis.call('decr', KEYS[1]) end
return 1
"""

_take = Script(_TAKE)
_give_back = Script(_GIVE_BACK)


async def take(kv: KV, name: str, limit: int, window: int) -> int:
    """Take one of ``limit`` tries under ``name`` in a fixed window of ``window`` s: its
    number (``limit`` for the last one), or 0 (nothing taken) when none is left.

    An attempt that turns out not to count hands its try back with ``give_back``: counting
    before the outcome is what keeps concurrent attempts from all passing a check made
    before any of them was counted."""
    return int(await _take([keys.rate(kv, name)], [limit, window], kv.redis))


async def give_back(kv: KV, name: str) -> None:
    await _give_back([keys.rate(kv, name)], (), kv.redis)


async def retry_after(kv: KV, name: str) -> int:
    """Seconds until the window of ``name`` ends (at least 1)."""
    left = await kv.redis.ttl(keys.rate(kv, name))
    return max(int(left), 1)
