"""The access_token, shared by every process through Redis.

- cached under ``storage.keys.wechat_token`` until a safety margin before WeChat's expiry;
- fetched by one process at a time (a Redis lock); the others wait for the cache to fill;
- a forced refresh (which invalidates the token everyone else holds) happens at most once per
  ``force_interval`` across all processes; inside that window a caller whose token was rejected
  gets the newer cached token if there is one, and otherwise its error.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.exceptions import WatchError

from bot.wechat.errors import TokenExpired, WeChatUnavailable
from storage import clock
from storage import keys as redis_keys
from storage.kv import KV

# (force_refresh) -> (access_token, expires_in seconds)
Fetch = Callable[[bool], Awaitable[tuple[str, int]]]


@dataclass(frozen=True)
class TokenPolicy:
    """Timing of the token cache; tests shorten the waits."""

    margin: float = 300.0  # stop using a token this long before WeChat expires it
    force_interval: float = 30.0  # at most one forced refresh per this many seconds
    lock_ttl: float = 60.0  # a crashed refresher blocks the others this long at most
    wait: float = 15.0  # how long a caller waits for another process's refresh
    poll: float = 0.05  # how often a waiting caller looks again
    # How long a process reuses the token it last read from Redis without asking Redis again.
    # Keeps a busy outbox sweep (100 sends in flight) from taking a Redis connection per send;
    # a token replaced meanwhile is answered with 40001 and renewed, which clears this.
    memo: float = 5.0


class TokenManager:
    """Hands out the current access_token of ``appid``; ``fetch`` asks WeChat for one."""

    def __init__(self, kv: KV, appid: str, fetch: Fetch, policy: TokenPolicy) -> None:
        self._redis = kv.redis
        self._key = redis_keys.wechat_token(kv, appid)
        self._lock_key = redis_keys.wechat_token_lock(kv, appid)
        self._forced_key = redis_keys.wechat_token_forced(kv, appid)
        self._fetch = fetch
        self._policy = policy
        self._memo: tuple[str, float, float] | None = None  # token, fresh_until, read at

    async def cached(self) -> str | None:
        """The cached token if it is still fresh, without asking WeChat."""
        entry = await self._read()
        return entry[0] if entry else None

    async def _read(self) -> tuple[str, float] | None:
        raw = await self._redis.get(self._key)
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
            token, fresh_until = str(entry["token"]), float(entry["fresh_until"])
        except (ValueError, KeyError, TypeError):
            return None
        return (token, fresh_until) if clock.now().timestamp() < fresh_until else None

    def _remembered(self) -> str | None:
        if self._memo is None:
            return None
        token, fresh_until, read_at = self._memo
        if time.monotonic() - read_at < self._policy.memo and \
                clock.now().timestamp() < fresh_until:
            return token
        return None

    async def get(self) -> str:
        """A usable token: the cached one, or a fresh one from WeChat (normal mode)."""
        token = self._remembered()
        if token is not None:
            return token
        entry = await self._read()
        if entry is not None:
            self._memo = (entry[0], entry[1], time.monotonic())
            return entry[0]
        token = await self._refresh(stale=None, force=False)
        assert token is not None  # only forced refreshes are refused
        return token

    async def force(self) -> str:
        """A forced refresh if none happened within the window, else the current token."""
        self._memo = None
        token = await self._refresh(stale=await self.cached(), force=True)
        return token if token is not None else await self.get()

    async def renew(self, rejected: str, error: TokenExpired) -> str:
        """A token other than ``rejected`` (refused by WeChat with ``error``), or ``error``."""
        self._memo = None
        token = await self._refresh(stale=rejected, force=True)
        if token is None:
            raise error
        return token

    async def _refresh(self, stale: str | None, force: bool) -> str | None:
        """Under the lock: a cached token other than ``stale``, or a newly fetched one.

        None when ``force`` is asked for but a forced refresh already happened in the window.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._policy.wait
        while True:
            owner = await self._acquire()
            if owner is not None:
                try:
                    return await self._refresh_locked(stale, force)
                finally:
                    await self._release(owner)
            if loop.time() >= deadline:
                raise WeChatUnavailable(
                    "timed out waiting for another process to refresh the access_token",
                    "/cgi-bin/stable_token",
                )
            await asyncio.sleep(self._policy.poll)
            token = await self.cached()
            if token is not None and token != stale:
                return token

    async def _refresh_locked(self, stale: str | None, force: bool) -> str | None:
        token = await self.cached()
        if token is not None and token != stale:
            return token  # someone refreshed while we waited for the lock
        if force and not await self._claim_forced():
            return None
        token, expires_in = await self._fetch(force)
        await self._store(token, expires_in)
        return token

    async def _store(self, token: str, expires_in: int) -> None:
        margin = self._policy.margin
        lifetime = expires_in - margin if expires_in > 2 * margin else expires_in / 2
        lifetime = max(lifetime, 1.0)
        entry = {"token": token, "fresh_until": clock.now().timestamp() + lifetime}
        await self._redis.set(self._key, json.dumps(entry), px=int(lifetime * 1000))
        self._memo = (token, entry["fresh_until"], time.monotonic())

    async def _claim_forced(self) -> bool:
        ms = int(self._policy.force_interval * 1000)
        return bool(await self._redis.set(self._forced_key, b"1", nx=True, px=ms))

    async def _acquire(self) -> bytes | None:
        owner = secrets.token_hex(8).encode()
        ms = int(self._policy.lock_ttl * 1000)
        return owner if await self._redis.set(self._lock_key, owner, nx=True, px=ms) else None

    async def _release(self, owner: bytes) -> None:
        """Delete the lock only if it is still ours (it may have expired and moved on)."""
        async with self._redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(self._lock_key)
                if await pipe.get(self._lock_key) == owner:
                    pipe.multi()
                    pipe.delete(self._lock_key)
                    await pipe.execute()
                else:
                    await pipe.unwatch()
            except WatchError:
                pass  # it changed hands meanwhile: not ours to delete
