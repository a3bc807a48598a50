"""Concurrent Redis commands written together on one shared connection (auto-pipelining).

Each webhook message runs two Lua scripts (the turn's start and end), each a round trip of
its own: a ``send`` system call, a wake-up when the reply arrives and a connection lent and
taken back. Under load dozens of messages are in flight at once, and their scripts are issued
within the same turn of the event loop. ``Mux`` queues each command, writes every command
queued in one loop turn with one ``send`` at the start of the next, and reads the replies
(in order: Redis answers a connection's commands in the order sent) as they arrive, however
many come in one read. This is what ioredis calls auto-pipelining; redis-py has no such mode.

Only commands that are complete in themselves go through it (``storage.kv.Script``'s
EVALSHA): nothing that holds a connection between commands (MULTI/EXEC, WATCH, blocking
reads, pub/sub), which stay on redis-py's pool. A command that fails here for the connection's
sake (refused, dropped, no reply within the socket timeout) raises redis-py's
``ConnectionError`` or ``TimeoutError``; the caller then runs it through redis-py with its
retries, exactly as after a connection error on a pooled connection.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from redis._parsers.base import BaseParser
from redis.credentials import UsernamePasswordCredentialProvider
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse
from redis.exceptions import TimeoutError as RedisTimeoutError

try:  # a dependency; without it (benchmarks/without/hiredis) commands keep to the pool
    import hiredis
except ImportError:  # pragma: no cover
    hiredis = None

if TYPE_CHECKING:
    import redis.asyncio as aioredis

_MORE = object()  # hiredis: no complete reply yet (RESP3 has a boolean false)
_PUSH = getattr(hiredis, "PushNotification", None)


def for_pool(pool: aioredis.ConnectionPool) -> Mux | None:
    """A ``Mux`` to the server of ``pool`` (a TCP pool, as ``create_redis`` makes for a
    ``redis://`` URL), speaking the pool's protocol (RESP2 or RESP3: a script's ``false`` is
    a nil in one and a boolean in the other), or None where its connections need more than a
    name, a password and a database number (a credential provider of another kind), or
    without hiredis: those commands keep to the pool."""
    if hiredis is None:
        return None
    probe = pool.connection_class(**pool.connection_kwargs)  # never connected: its settings
    protocol = int(getattr(probe, "protocol", None) or 2)
    if protocol not in (2, 3):
        return None
    provider = getattr(probe, "credential_provider", None)
    username, password = getattr(probe, "username", None), getattr(probe, "password", None)
    if provider is not None:
        if not isinstance(provider, UsernamePasswordCredentialProvider):
            return None
        username, password = provider.username, provider.password
    return Mux(host=probe.host, port=probe.port, db=int(probe.db or 0), protocol=protocol,
               username=username, password=password,
               client_name=getattr(probe, "client_name", None),
               timeout=probe.socket_timeout, connect_timeout=probe.socket_connect_timeout)


class Mux:
    """One connection; commands queued in a loop turn are sent together, replies matched in
    order. Bound to the event loop it first runs on (a new loop gets a new connection)."""

    def __init__(self, *, host: str, port: int, db: int = 0, protocol: int = 2,
                 username: str | None = None,
                 password: str | None = None, client_name: str | None = None,
                 timeout: float | None = 5.0, connect_timeout: float | None = 5.0) -> None:
        self.host, self.port, self.db, self.protocol = host, port, db, protocol
        self.username, self.password, self.client_name = username, password, client_name
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._transport: asyncio.Transport | None = None
        self._reader: hiredis.Reader | None = None
        self._waiting: deque[asyncio.Future[Any]] = deque()
        self._sent_at: deque[float] = deque()  # loop time each waiting command was queued
        self._buffer: list[bytes] = []
        self._flush: asyncio.Handle | None = None
        self._watch: asyncio.TimerHandle | None = None
        self._connecting: asyncio.Lock | None = None
        self.writes = 0  # send calls made: what the batching saves is visible (tests, bench)

    async def execute(self, *args: Any) -> Any:
        """Run one command; its reply (an error reply raised as redis-py raises it)."""
        loop = asyncio.get_running_loop()
        if self._transport is None or loop is not self._loop:
            await self._connect(loop)
        return await self._queue(hiredis.pack_command(args))

    def _queue(self, packed: bytes) -> asyncio.Future[Any]:
        loop = self._loop
        assert loop is not None
        future = loop.create_future()
        self._waiting.append(future)
        self._sent_at.append(loop.time())
        self._buffer.append(packed)
        if self._flush is None:
            self._flush = loop.call_soon(self._write)
        return future

    def _write(self) -> None:
        self._flush = None
        if not self._buffer or self._transport is None:
            return
        data = self._buffer[0] if len(self._buffer) == 1 else b"".join(self._buffer)
        self._buffer.clear()
        self.writes += 1
        self._transport.write(data)
        if self._watch is None and self.timeout:
            self._watch = self._loop.call_at(self._sent_at[0] + self.timeout, self._check)

    def _check(self) -> None:
        """No reply to the oldest command within the socket timeout: the connection is
        given up (its later replies could not be told apart) and every command on it fails."""
        self._watch = None
        if not self._sent_at:
            return
        due = self._sent_at[0] + self.timeout
        if self._loop.time() >= due:
            self._abort(RedisTimeoutError("Timeout reading from socket"))
        else:
            self._watch = self._loop.call_at(due, self._check)

    def _received(self, data: bytes) -> None:
        reader = self._reader
        reader.feed(data)
        waiting, sent_at = self._waiting, self._sent_at
        while True:
            try:
                reply = reader.gets()
            except InvalidResponse as exc:
                self._abort(RedisConnectionError(f"Protocol error: {exc}"))
                return
            if reply is _MORE:
                return
            if _PUSH is not None and type(reply) is _PUSH:  # RESP3 out-of-band: not a reply
                continue
            if not waiting:  # a reply nobody asked for: the stream cannot be trusted
                self._abort(RedisConnectionError("Unexpected reply from Redis"))
                return
            future = waiting.popleft()
            sent_at.popleft()
            if future.done():  # its caller stopped waiting (cancelled): the reply is dropped
                continue
            if isinstance(reply, Exception):
                future.set_exception(reply)
            else:
                future.set_result(reply)

    def _lost(self, transport: asyncio.BaseTransport, exc: Exception | None) -> None:
        if transport is self._transport:
            self._abort(RedisConnectionError(
                f"Connection closed by server{f': {exc}' if exc else '.'}"))

    def _abort(self, error: Exception) -> None:
        """Close the connection; every command queued or sent on it fails with ``error``."""
        transport, self._transport, self._reader = self._transport, None, None
        if transport is not None:
            transport.abort()
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        self._buffer.clear()
        waiting = list(self._waiting)
        self._waiting.clear()
        self._sent_at.clear()
        for future in waiting:
            if not future.done():
                future.set_exception(error)
                future.exception()  # a caller that was cancelled leaves no "never retrieved"

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start afresh on ``loop`` (tests run a loop each): nothing of another loop's
        connection can be used on it."""
        self._loop, self._connecting = loop, asyncio.Lock()
        self._transport = self._reader = None
        self._waiting.clear()
        self._sent_at.clear()
        self._buffer.clear()
        self._flush = self._watch = None

    async def _connect(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:
            self._bind(loop)
        async with self._connecting:
            if self._transport is not None:
                return
            try:
                transport, _ = await asyncio.wait_for(loop.create_connection(
                    lambda: _Protocol(self), self.host, self.port), self.connect_timeout)
            except TimeoutError:
                raise RedisTimeoutError("Timeout connecting to server") from None
            except OSError as exc:
                raise RedisConnectionError(
                    f"Error connecting to {self.host}:{self.port}: {exc}") from exc
            self._reader = hiredis.Reader(protocolError=InvalidResponse,
                                          replyError=BaseParser.parse_error,
                                          notEnoughData=_MORE)
            self._transport = transport
            replies = [self._queue(hiredis.pack_command(cmd)) for cmd in self._hello()]
            try:
                for reply in replies:
                    await reply
            except Exception as exc:
                self._abort(RedisConnectionError(f"Setting up the connection failed: {exc}"))
                raise RedisConnectionError(f"Setting up the connection failed: {exc}") from exc

    def _hello(self) -> list[tuple[Any, ...]]:
        """What redis-py's ``on_connect`` sends on a new connection, to be sent at once."""
        hello: list[tuple[Any, ...]] = []
        if self.protocol == 3:
            hello.append(("HELLO", 3,
                          *(("AUTH", self.username or "default", self.password)
                            if self.password is not None else ()),
                          *(("SETNAME", self.client_name) if self.client_name else ())))
        else:
            if self.password is not None:
                hello.append(("AUTH", self.username, self.password) if self.username
                             else ("AUTH", self.password))
            if self.client_name:
                hello.append(("CLIENT", "SETNAME", self.client_name))
        if self.db:
            hello.append(("SELECT", self.db))
        return hello

    def close(self) -> None:
        """Close the connection (commands still waiting fail with a connection error)."""
        if self._transport is not None:
            self._abort(RedisConnectionError("Connection closed by the client"))


class _Protocol(asyncio.Protocol):
    def __init__(self, mux: Mux) -> None:
        self.mux = mux
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.transport is self.mux._transport:
            self.mux._received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.mux._lost(self.transport, exc)
