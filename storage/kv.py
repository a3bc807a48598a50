"""Redis lifecycle and key naming: a real server, or fakeredis in-process for the embedded default."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

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
    extra = {"connection_class": Connection} if url.startswith("redis://") else {}
    return aioredis.from_url(url, decode_responses=False, health_check_interval=30, **extra)


class Connection(aioredis.Connection):
    """redis-py's TCP connection, writing a command without a task of its own.

    redis-py bounds every write with ``asyncio.wait_for(write, socket_timeout)``, which on
    Python 3.11 runs the write as a new Task: about a twentieth of the CPU a webhook message
    costs (docs/benchmarks.md, "Webhook: the shared pipeline"). A write into a socket buffer
    with room completes at once; only when the buffer is over its high-water mark (Redis is not
    reading) does this wait for it to drain, under the same timeout and with redis-py's errors.
    """

    async def send_packed_command(self, command: object, check_health: bool = True) -> None:
        writer = self._writer
        if not self.is_connected or not self.socket_timeout or writer is None:
            return await super().send_packed_command(command, check_health)
        if check_health:
            await self.check_health()
        if isinstance(command, str):
            command = command.encode()
        if isinstance(command, bytes):
            command = [command]
        try:
            writer.writelines(command)
            transport = writer.transport
            if (transport.is_closing()
                    or transport.get_write_buffer_size() > transport.get_write_buffer_limits()[1]):
                await asyncio.wait_for(writer.drain(), self.socket_timeout)
        except TimeoutError:
            await self.disconnect(nowait=True)
            raise RedisTimeoutError("Timeout writing to socket") from None
        except OSError as e:
            await self.disconnect(nowait=True)
            raise RedisConnectionError(f"Error while writing to socket: {e}") from e
        except BaseException:
            await self.disconnect(nowait=True)
            raise


@dataclass(frozen=True)
class KV:
    """A Redis client plus the namespace every linli key lives under."""

    redis: aioredis.Redis
    prefix: str = "linli:"

    def key(self, *parts: object) -> str:
        return self.prefix + ":".join(str(p) for p in parts)

    async def close(self) -> None:
        await self.redis.aclose()
