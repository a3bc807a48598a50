"""storage.redis_mux: scripts of concurrent tasks written together on one shared connection,
against real Redis (and, for what Redis cannot be made to do, a TCP server that never answers)."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from redis.exceptions import AuthenticationError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot import keys as app_keys
from bot.config import ConfigError, Settings
from storage.kv import Script, create_redis
from storage.redis_mux import Mux
from storage.turn import LEASE_MS
from tests.conftest import REDIS_URL
from tests.test_redis_connection import _drop_every_connection

KEY = "linli_t_mux:"

# What a script can answer, each kind of Lua value: the shared connection must give back what
# redis-py gives on a connection of its own, in either protocol (RESP3 answers a Lua false
# with a boolean where RESP2 has a nil).
ANSWERS = [
    "return redis.call('INCR', KEYS[1])",
    "return false",
    "return true",
    "return nil",
    "return 3.7",
    "return {1, false, 'a', {2, {'b'}}, ARGV[1]}",
    "return redis.status_reply('QUEUED')",
    "return redis.error_reply('boom')",
    "return redis.call('HGETALL', KEYS[1])",
    "return redis.pcall('INCR', 'x', 'y')",
    "return ARGV[1] .. ARGV[2]",
]


def _url(protocol: int | None, db: int = 0) -> str:
    base = REDIS_URL.rsplit("/", 1)[0]
    return f"{base}/{db}" + (f"?protocol={protocol}" if protocol else "")


@pytest.fixture
async def keys():
    made: list[str] = []

    def key() -> str:
        made.append(f"{KEY}{uuid.uuid4().hex}")
        return made[-1]

    yield key
    if made:
        admin = create_redis(REDIS_URL)
        await admin.delete(*made)
        await admin.aclose()


@pytest.fixture
async def clients():
    """``create_redis`` clients, closed after the test."""
    made = []

    def make(url: str = REDIS_URL, **options: object):
        made.append(create_redis(url, **options))
        return made[-1]

    yield make
    for client in made:
        await client.aclose()


async def _answer(script: Script, key: str, args: list[object]) -> object:
    try:
        return await script(keys=[key], args=args)
    except ResponseError as exc:
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("protocol", [None, 2, 3])
async def test_a_script_answers_as_on_a_connection_of_its_own(protocol, keys, clients):
    shared = clients(_url(protocol))
    alone = clients(_url(protocol), autopipeline=False)
    assert shared.connection_pool.mux is not None
    assert alone.connection_pool.mux is None
    for text in ANSWERS:
        mine, theirs = keys(), keys()
        if "HGETALL" in text:
            for k in (mine, theirs):
                await alone.hset(k, mapping={"f": "1", "中": b"\xff"})
        args = ["中文", b"\x00\xff"]
        got = await _answer(Script(text, shared), mine, args)
        want = await _answer(Script(text, alone), theirs, args)
        assert got == want, text
    assert shared.connection_pool.mux.writes > 0  # it did go through the shared connection


async def test_concurrent_scripts_are_written_together_and_answered_in_order(keys, clients):
    client = clients()
    script = Script("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}", client)
    key = keys()
    await script(keys=[key], args=["warm"])  # connects
    mux = client.connection_pool.mux
    before = mux.writes
    replies = await asyncio.gather(*(script(keys=[key], args=[str(i)])
                                     for i in range(200)))
    assert mux.writes == before + 1  # 200 commands, one send
    assert [r[1] for r in replies] == [str(i).encode() for i in range(200)]
    assert [r[2] for r in replies] == list(range(2, 202))  # the order they were issued
    assert not client.connection_pool._in_use_connections


async def test_the_database_of_the_url_is_used(keys, clients):
    key = keys()
    on_five = clients(_url(None, db=5))
    on_zero = clients(_url(None, db=0), autopipeline=False)
    await Script("return redis.call('SET', KEYS[1], 'five')", on_five)(keys=[key])
    assert await on_zero.get(key) is None
    assert await on_five.get(key) == b"five"
    await on_five.delete(key)


async def test_a_dropped_connection_is_replaced_and_commands_in_flight_still_answer(keys, clients):
    client = clients()
    key = keys()
    script = Script("redis.call('SET', KEYS[1], ARGV[1]) return ARGV[1]", client)
    assert await script(keys=[key], args=["a"]) == b"a"
    await _drop_every_connection()  # idle: the next command connects again
    assert await script(keys=[key], args=["b"]) == b"b"
    # Lost with commands sent and their replies not yet read: each is run again through
    # redis-py's pool (as after a connection error on a pooled connection).
    mux = client.connection_pool.mux
    before = mux.writes
    many = [asyncio.ensure_future(script(keys=[key], args=[str(i)])) for i in range(100)]
    await asyncio.sleep(0)  # the tasks queue their commands
    await asyncio.sleep(0)  # the one write
    assert mux.writes == before + 1 and len(mux._waiting) == 100
    mux._transport.abort()  # a reset connection
    assert await asyncio.gather(*many) == [str(i).encode() for i in range(100)]
    assert await script(keys=[key], args=["c"]) == b"c"
    assert mux._transport is not None  # a new connection (its HELLO, then the command)
    assert mux.writes == before + 3


async def test_a_cancelled_caller_does_not_shift_the_others_replies(keys, clients):
    client = clients()
    key = keys()
    script = Script("return ARGV[1]", client)
    await script(keys=[key], args=["warm"])
    tasks = [asyncio.ensure_future(script(keys=[key], args=[str(i)])) for i in range(30)]
    await asyncio.sleep(0)  # all queued
    for t in tasks[::3]:
        t.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for i, r in enumerate(results):
        if i % 3 == 0:
            assert isinstance(r, asyncio.CancelledError)
        else:
            assert r == str(i).encode()
    assert await script(keys=[key], args=["after"]) == b"after"


async def test_a_script_the_server_forgot_is_loaded_again(keys, clients):
    client = clients()
    script = Script("return 'v1-' .. ARGV[1]", client)
    assert await script(args=["a"]) == b"v1-a"
    await client.script_flush()
    assert await script(args=["b"]) == b"v1-b"


async def test_no_reply_within_the_timeout_fails_every_command_on_the_connection():
    """A server that reads and never answers: the commands fail with redis-py's timeout
    after the socket timeout, the connection is closed, and the next command connects anew."""
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)
        while await reader.read(65536):
            pass

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    mux = Mux(host="127.0.0.1", port=port, timeout=0.2, connect_timeout=1)
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        results = await asyncio.gather(*(mux.execute("GET", f"k{i}") for i in range(5)),
                                       return_exceptions=True)
        waited = loop.time() - started
        assert all(isinstance(r, RedisTimeoutError) for r in results)
        assert 0.15 < waited < 1.0
        assert mux._transport is None
        with pytest.raises(RedisTimeoutError):
            await mux.execute("GET", "k")
        assert len(accepted) == 2  # a new connection for the command after the timeout
    finally:
        mux.close()
        server.close()
        for w in accepted:
            w.close()
        await server.wait_closed()


async def test_a_server_that_cannot_be_reached_is_redis_pys_connection_error():
    from redis.exceptions import ConnectionError as RedisConnectionError

    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    mux = Mux(host="127.0.0.1", port=port, timeout=1, connect_timeout=1)
    with pytest.raises(RedisConnectionError):
        await mux.execute("PING")


async def test_a_password_is_sent_and_a_wrong_one_refused_as_redis_py_refuses_it(keys,
                                                                                  clients):
    admin = clients()
    user = f"linli_t_mux_{uuid.uuid4().hex[:8]}"
    base = REDIS_URL.split("://", 1)[1].rsplit("/", 1)[0]
    await admin.execute_command("ACL", "SETUSER", user, "on", ">s3cret", "~*", "+@all")
    try:
        for protocol in (2, 3):
            good = clients(f"redis://{user}:s3cret@{base}/0?protocol={protocol}")
            bad = clients(f"redis://{user}:wrong@{base}/0?protocol={protocol}")
            script = Script("return redis.call('INCR', KEYS[1])")
            key = keys()
            assert await script([key], client=good) == 1
            mux = good.connection_pool.mux
            assert mux.writes > 0 and mux._transport is not None  # its handshake passed
            names = await admin.execute_command("CLIENT", "LIST")
            assert f"user={user} ".encode() in names
            with pytest.raises(AuthenticationError):
                await script([key], client=bad)
            assert bad.connection_pool.mux._transport is None
    finally:
        await admin.execute_command("ACL", "DELUSER", user)


def test_it_can_be_turned_off():
    base = {"LINLI_REDIS_URL": REDIS_URL}
    assert Settings.from_env(base).redis_autopipeline is True
    assert Settings.from_env({**base, "LINLI_REDIS_AUTOPIPELINE": "0"}).redis_autopipeline \
        is False
    with pytest.raises(ConfigError, match="LINLI_REDIS_AUTOPIPELINE"):
        Settings.from_env({**base, "LINLI_REDIS_AUTOPIPELINE": "sometimes"})


async def test_webhook_messages_in_flight_when_the_connection_drops_are_each_answered(
        make_bot, backend):
    """The turn's scripts of 40 messages are on the shared connection when it is reset: each
    script runs again through redis-py's pool and every message gets its menu, once."""
    if backend.redis_url is None:
        pytest.skip("the shared connection is real Redis's")
    bot = await make_bot()
    mux = bot.client.app[app_keys.KV_STORE].redis.connection_pool.mux
    people = [f"o-mux-{i}" for i in range(40)]
    assert all("随手拍" in (r or "") for r in await asyncio.gather(
        *(bot.say(p, "帮助") for p in people)))  # the people exist, the connection is up
    tasks = [asyncio.ensure_future(bot.say(p, "帮助", msg_id=9_000 + i))
             for i, p in enumerate(people)]
    for _ in range(200):  # until some of their scripts are sent and not yet answered
        await asyncio.sleep(0)
        if len(mux._waiting) >= 5 and not mux._buffer:
            break
    assert mux._waiting, "no script was in flight"
    mux._transport.abort()
    started = time.monotonic()
    replies = await asyncio.gather(*tasks)
    # A script whose first run took the claim and the lock knows them for its own when run
    # again: nobody waits out a lease (storage/turn.py; it took LEASE_MS before).
    assert time.monotonic() - started < LEASE_MS / 1000 * 0.8
    assert all("随手拍" in (r or "") for r in replies), replies
    again = await asyncio.gather(*(bot.say(p, "帮助", msg_id=9_000 + i)  # WeChat's retries
                                   for i, p in enumerate(people)))
    assert again == replies  # the same answer, remembered: nothing handled twice


async def test_more_scripts_at_once_than_the_pool_has_connections(keys, clients):
    """redis-py 8's asyncio pool refuses a command beyond its 100 connections
    (MaxConnectionsError) instead of waiting; on the shared connection 300 webhook scripts at
    once take none of them, nor do their loads of a script the server does not have."""
    from redis.exceptions import MaxConnectionsError

    shared = clients()
    alone = clients(REDIS_URL, autopipeline=False)
    key = keys()
    for client in (shared, alone):
        await Script("return 1", client)()  # connected
    # Not loaded (a restarted server): each of the 300 loads it first, as it runs.
    text = f"redis.call('INCR', KEYS[1]) return redis.call('GET', KEYS[1]) -- {key}"
    replies = await asyncio.gather(*(Script(text, shared)(keys=[key]) for _ in range(300)))
    assert sorted(int(r) for r in replies) == list(range(1, 301))
    with pytest.raises(MaxConnectionsError):
        await asyncio.gather(*(Script(text, alone)(keys=[key]) for _ in range(300)))
