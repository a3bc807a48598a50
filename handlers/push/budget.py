"""WeChat's customer-service budget, counted by us: at most ``CS_LIMIT`` messages within 48 h
of the person's last message (then WeChat answers 45047; past 48 h, 45015).

Counting here saves a round trip WeChat would refuse anyway. The window starts at the
person's last message as ``storage.presence`` knows it; when that is unknown (they never
wrote, or wrote over 48 h ago, or Redis lost it) WeChat decides once, and its 45015 is
remembered until the window could have opened (``closed``), so a staff member who never
writes costs one refused call, not one per push. WeChat's own refusals correct the count
(``spent_all``).
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


def _closed_key(kv: KV, openid: str) -> str:
    return keys.cs_sent(kv, openid, "closed")


async def refusal(kv: KV, openid: str) -> int | None:
    """The errcode WeChat would answer a customer-service message now, or None: try it."""
    raw, closed = await kv.redis.mget(keys.seen(kv, openid), _closed_key(kv, openid))
    window = raw.decode() if isinstance(raw, bytes) else raw
    if window is None:
        return OUT_OF_WINDOW if closed is not None else None
    if clock.now().timestamp() - float(window) > WINDOW_SECONDS:
        return OUT_OF_WINDOW
    used = await kv.redis.get(keys.cs_sent(kv, openid, window))
    return OUT_OF_COUNT if used is not None and int(used) >= CS_LIMIT else None


async def spend(kv: KV, openid: str) -> None:
    """One customer-service message went to the person."""
    await _add(kv, openid, 1)


async def closed(kv: KV, openid: str) -> None:
    """WeChat said 45015 while we knew no window: none is open, and none opens before the
    person writes (which sets ``seen``, read first). Kept 48 h, WeChat's window."""
    await kv.redis.set(_closed_key(kv, openid), "1", ex=WINDOW_SECONDS)


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
