"""WeChat's customer-service budget, counted by us: at most ``CS_LIMIT`` messages within 48 h
of the person's last message (then WeChat answers 45047; past 48 h, 45015).

Counting here saves a round trip WeChat would refuse anyway. The window starts at the
person's last message as ``storage.presence`` knows it; when that is unknown (Redis lost
it) WeChat decides. WeChat's own refusals correct the count (``spent_all``).
"""

from __future__ import annotations

from storage import clock, keys
from storage.kv import KV
from storage.presence import WINDOW_SECONDS

CS_LIMIT = 5
OUT_OF_WINDOW, OUT_OF_COUNT = 45015, 45047  # WeChat's codes, for the same refusals


async def _window(kv: KV, openid: str) -> str | None:
    raw = await kv.redis.get(keys.seen(kv, openid))
    return raw.decode() if isinstance(raw, bytes) else raw


async def refusal(kv: KV, openid: str) -> int | None:
    """The errcode WeChat would answer a customer-service message now, or None: try it."""
    window = await _window(kv, openid)
    if window is None:
        return None
    if clock.now().timestamp() - float(window) > WINDOW_SECONDS:
        return OUT_OF_WINDOW
    used = await kv.redis.get(keys.cs_sent(kv, openid, window))
    return OUT_OF_COUNT if used is not None and int(used) >= CS_LIMIT else None


async def spend(kv: KV, openid: str) -> None:
    """One customer-service message went to the person."""
    await _add(kv, openid, 1)


async def spent_all(kv: KV, openid: str) -> None:
    """WeChat said 45047: nothing is left of this window, whatever we counted."""
    await _add(kv, openid, CS_LIMIT)


async def _add(kv: KV, openid: str, count: int) -> None:
    window = await _window(kv, openid)
    if window is None:
        return
    key = keys.cs_sent(kv, openid, window)
    async with kv.redis.pipeline(transaction=True) as pipe:
        pipe.incrby(key, count)
        pipe.expire(key, WINDOW_SECONDS)
        await pipe.execute()
