"""Redis lifecycle and key naming: a real server, or fakeredis in-process for the embedded default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import redis.asyncio as aioredis

if TYPE_CHECKING:
    import fakeredis

# One in-process server per process: every client made here shares its data, as the
# embedded default (one process) expects.
_fake_server: fakeredis.FakeServer | None = None


def create_redis(url: str | None) -> aioredis.Redis:
    """A client for ``url``, or for the in-process emulation when ``url`` is None."""
    global _fake_server
    if url is None:
        import fakeredis  # 17 MB with its Lua runtime: only the embedded default pays for it

        if _fake_server is None:
            _fake_server = fakeredis.FakeServer()
        return fakeredis.FakeAsyncRedis(server=_fake_server, decode_responses=False)
    return aioredis.from_url(url, decode_responses=False, health_check_interval=30)


@dataclass(frozen=True)
class KV:
    """A Redis client plus the namespace every linli key lives under."""

    redis: aioredis.Redis
    prefix: str = "linli:"

    def key(self, *parts: object) -> str:
        return self.prefix + ":".join(str(p) for p in parts)

    async def close(self) -> None:
        await self.redis.aclose()
