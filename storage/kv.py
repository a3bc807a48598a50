"""Redis lifecycle and key naming: a real server, or fakeredis in-process for the embedded default."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError

from storage import redis_mux

try:  # hiredis is a dependency; the pure-Python packer stays the fallback
    from hiredis import pack_command as _hiredis_pack
except ImportError:  # pragma: no cover
    _hiredis_pack = None

if TYPE_CHECKING:
    import fakeredis

# One in-process server per process: every client made here shares its data, as the
# embedded default (one process) expects.
_fake_server: fakeredis.FakeServer | None = None


def create_redis(url: str | None, *, autopipeline: bool = True) -> aioredis.Redis:
    """A client for ``url``, or for the in-process emulation when ``url`` is None.

    ``autopipeline``: scripts (``Script``) issued by concurrent tasks share one connection
    and are written together (``storage.redis_mux``); LINLI_REDIS_AUTOPIPELINE=0 turns it
    off, and every command then takes a pooled connection of its own."""
    global _fake_server
    if url is None:
        import fakeredis  # 17 MB with its Lua runtime: only the embedded default pays for it

        if _fake_server is None:
            _fake_server = fakeredis.FakeServer()
        return fakeredis.FakeAsyncRedis(server=_fake_server, decode_responses=False)
    if not url.startswith("redis://"):  # rediss://, unix://: redis-py's own classes
        return aioredis.from_url(url, decode_responses=False, health_check_interval=30)
    pool = ConnectionPool.from_url(url, decode_responses=False, health_check_interval=30,
                                   connection_class=Connection)
    pool.mux = redis_mux.for_pool(pool) if autopipeline else None
    return aioredis.Redis.from_pool(pool)


class ConnectionPool(aioredis.ConnectionPool):
    """redis-py's pool, lending a connection without what it adds to every command.

    redis-py 8's ``get_connection`` and ``release`` each take an ``asyncio.Lock`` around
    list operations that never wait, record four connection-count observations for
    OpenTelemetry (linli does not configure it: each is an awaited no-op), dispatch a
    "released" event (used by streaming credential providers, which linli does not use) and
    run ``connect()`` through the retry wrapper even when connected: about a twentieth of a
    webhook message's CPU. The checks that matter stay: a connection with unread data, or a
    closed one, is reconnected before it is lent (``ensure_connection``), and one marked for
    reconnection is disconnected when it comes back.

    ``mux``: the shared connection scripts are written on together (``create_redis``), or None.
    """

    mux: redis_mux.Mux | None = None

    async def disconnect(self, inuse_connections: bool = True) -> None:
        if self.mux is not None:
            self.mux.close()
        await super().disconnect(inuse_connections)

    async def get_connection(self, command_name: Any = None, *keys: Any,
                             **options: Any) -> aioredis.Connection:
        connection = self.get_available_connection()
        try:
            if connection.is_connected:
                if await connection.can_read():
                    raise RedisConnectionError("Connection has data")
            else:
                await connection.connect()
        except (RedisConnectionError, RedisTimeoutError, OSError):
            try:
                await connection.disconnect()
                await self.ensure_connection(connection)
            except BaseException:
                await self.release(connection)
                raise
        except BaseException:
            await self.release(connection)
            raise
        return connection

    async def release(self, connection: aioredis.Connection) -> None:
        self._in_use_connections.remove(connection)
        self._available_connections.append(connection)
        if connection.should_reconnect():
            await connection.disconnect()


def hiredis_packs(args: Sequence[Any]) -> bool:
    """True when hiredis packs ``args`` as redis-py would: a command name without a space,
    every argument bytes, str or int."""
    if type(args[0]) is not str or " " in args[0]:
        return False
    for arg in args:
        kind = type(arg)
        if kind is not bytes and kind is not str and kind is not int:
            return False
    return True


class Connection(aioredis.Connection):
    """redis-py's TCP connection, writing a command without a task of its own.

    redis-py bounds every write with ``asyncio.wait_for(write, socket_timeout)``, which on
    Python 3.11 runs the write as a new Task: about a twentieth of the CPU a webhook message
    costs (docs/benchmarks.md, "Webhook: the shared pipeline"). A write into a socket buffer
    with room completes at once; only when the buffer is over its high-water mark (Redis is not
    reading) does this wait for it to drain, under the same timeout and with redis-py's errors.
    """

    def pack_command(self, *args: Any) -> list[bytes]:
        """The command in RESP, packed by hiredis (C) when every argument is bytes, str or int.

        redis-py's asyncio connection packs in Python, argument by argument through its
        encoder: about a twentieth of a webhook message's CPU. hiredis encodes str as UTF-8
        and int in decimal, as redis-py's encoder does; anything else (float, bool, None,
        memoryview) and a command name with a space in it ("CONFIG GET") go the original way,
        with its formatting and its errors.
        """
        if _hiredis_pack is None or not hiredis_packs(args):
            return super().pack_command(*args)
        return [_hiredis_pack(args)]

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


class Script:
    """A Lua script run with EVALSHA, loaded again when the server answers NOSCRIPT.

    What redis-py's ``register_script`` does, without what it adds to every call: an import,
    an ``isinstance`` against a pipeline class whose bases include typing Protocols (a slow
    check), and tuple copies of the keys and arguments. Unlike EVAL, the script's text is not
    sent (nor hashed by the server) with every call. Bound to a client, or given one per call
    (a module-level script serves every client).
    """

    def __init__(self, text: str, redis: aioredis.Redis | None = None) -> None:
        self.redis = redis
        self.text = text
        self.sha = hashlib.sha1(text.encode()).hexdigest()

    async def __call__(self, keys: Sequence[Any] = (), args: Sequence[Any] = (),
                       client: aioredis.Redis | None = None) -> Any:
        redis = client if client is not None else self.redis
        if redis is None:
            raise TypeError("a Script with no client of its own needs client=")
        try:
            return await _execute(redis, "EVALSHA", self.sha, len(keys), *keys, *args)
        except NoScriptError:  # a restarted or flushed server, or another one behind the URL
            # Loaded the way it runs (on the shared connection): after a restart every
            # message in flight loads it at once, more than the pool's 100 connections.
            await _execute(redis, "SCRIPT", "LOAD", self.text)
            return await _execute(redis, "EVALSHA", self.sha, len(keys), *keys, *args)


async def _execute(redis: aioredis.Redis, *command: Any) -> Any:
    """``redis.execute_command(*command)`` for a command without a response callback
    (EVALSHA), on a client of ``create_redis``: its first attempt on the pool's shared
    connection (``ConnectionPool.mux``), or without one on a lent connection without redis-py's
    retry wrapper and OpenTelemetry hooks. A connection or timeout error on that attempt
    disconnects the connection and runs the command again the usual way, with redis-py's
    retries; an error reply (NOSCRIPT, a script's error) is raised as it is."""
    pool = redis.connection_pool
    if type(pool) is not ConnectionPool or redis.connection is not None:
        return await redis.execute_command(*command)
    mux = pool.mux
    if mux is not None and hiredis_packs(command):
        try:
            return await mux.execute(*command)
        except (RedisConnectionError, RedisTimeoutError, OSError):
            return await redis.execute_command(*command)
    conn = await pool.get_connection()
    try:
        await conn.send_packed_command(conn.pack_command(*command))
        return await conn.read_response()
    except (RedisConnectionError, RedisTimeoutError, OSError):
        await conn.disconnect()
    finally:
        await pool.release(conn)
    return await redis.execute_command(*command)


@dataclass(frozen=True)
class KV:
    """A Redis client plus the namespace every linli key lives under."""

    redis: aioredis.Redis
    prefix: str = "linli:"

    def key(self, *parts: object) -> str:
        if len(parts) == 2:  # a kind and an id: ten of them per message
            return f"{self.prefix}{parts[0]!s}:{parts[1]!s}"
        return self.prefix + ":".join(map(str, parts))

    async def close(self) -> None:
        await self.redis.aclose()
