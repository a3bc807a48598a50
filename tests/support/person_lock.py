"""A test's stand-in for another process busy with a person: it holds the person's lock
key as ``storage.turn`` does (the same key, a random token, a PX expiry), so the pipeline
must wait its turn."""

from __future__ import annotations

import secrets

from storage import keys
from storage.kv import KV


class PersonLock:
    def __init__(self, kv: KV, openid: str, expire_ms: int = 30_000) -> None:
        self.kv = kv
        self.key = keys.lock(kv, openid)
        self.token = secrets.token_hex(8).encode()
        self.expire_ms = expire_ms

    async def acquire(self) -> bool:
        """Take the lock if free (True) — the way ``storage.turn`` takes it."""
        return bool(await self.kv.redis.set(self.key, self.token, nx=True, px=self.expire_ms))

    async def release(self) -> None:
        """Free the lock if it is still ours."""
        if await self.kv.redis.get(self.key) == self.token:
            await self.kv.redis.delete(self.key)


def person_lock(kv: KV, openid: str) -> PersonLock:
    return PersonLock(kv, openid)
