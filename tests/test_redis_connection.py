"""storage.kv.Connection (redis-py's connection without a task per write, commands packed by
hiredis) and storage.kv.Script, against real Redis."""

from __future__ import annotations

import pytest
from redis.asyncio.connection import Connection as RedisPyConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import DataError

from storage.kv import Connection, ConnectionPool, Script, create_redis
from tests.conftest import REDIS_URL


@pytest.fixture
async def client():
    redis = create_redis(REDIS_URL)
    yield redis
    await redis.delete("linli_t_conn:big", "linli_t_conn:n", "linli_t_conn:s", "linli_t_conn:r")
    await redis.aclose()


async def test_tcp_clients_use_it(client):
    assert isinstance(client.connection_pool, ConnectionPool)
    conn = await client.connection_pool.get_connection()
    try:
        assert isinstance(conn, Connection)
        assert conn.socket_timeout  # writes stay bounded
    finally:
        await client.connection_pool.release(conn)


async def test_a_write_larger_than_the_socket_buffer_waits_for_it(client):
    big = b"x" * 8_000_000  # far over the transport's high-water mark: the drain path
    await client.set("linli_t_conn:big", big)
    assert await client.get("linli_t_conn:big") == big


async def _drop_every_connection() -> None:
    """What a Redis restart or failover does to the clients' connections."""
    admin = create_redis(REDIS_URL)
    try:
        await admin.client_kill_filter(_type="normal", skipme=True)
    finally:
        await admin.aclose()


async def test_a_connection_closed_by_the_server_is_replaced(client):
    assert await client.incr("linli_t_conn:n") == 1
    conn = await client.connection_pool.get_connection()
    await client.connection_pool.release(conn)
    # Redis drops every client connection (a restart, a failover). The pool sees the closed
    # connection before lending it (storage.kv.ConnectionPool) and connects again: the next
    # command succeeds. (redis-py 8's own pool skips that check and the command failed.)
    await _drop_every_connection()
    assert await client.incr("linli_t_conn:n") == 2
    assert await client.incr("linli_t_conn:n") == 3


async def test_a_script_survives_the_server_dropping_its_connections(client):
    script = Script("return redis.call('INCR', KEYS[1])", client)
    assert await script(keys=["linli_t_conn:s"]) == 1
    conns = [await client.connection_pool.get_connection() for _ in range(3)]
    for conn in conns:
        await client.connection_pool.release(conn)
    await _drop_every_connection()
    assert [await script(keys=["linli_t_conn:s"]) for _ in range(4)] == [2, 3, 4, 5]


async def test_a_connection_lost_mid_command_is_retried_the_usual_way(monkeypatch):
    """Without the shared connection (LINLI_REDIS_AUTOPIPELINE=0) the script's first attempt
    skips redis-py's retry wrapper; a connection error on it runs the command again through
    redis-py (``execute_command``), which succeeds."""
    client = create_redis(REDIS_URL, autopipeline=False)
    await client.delete("linli_t_conn:r")
    script = Script("return redis.call('INCR', KEYS[1])", client)
    assert await script(keys=["linli_t_conn:r"]) == 1
    sent = []
    original = Connection.send_packed_command

    async def once_broken(self, command, check_health=True):
        if not sent:
            sent.append(command)
            raise RedisConnectionError("Error while writing to socket: broken pipe")
        return await original(self, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", once_broken)
    assert await script(keys=["linli_t_conn:r"]) == 2
    assert len(sent) == 1
    pool = client.connection_pool
    assert not pool._in_use_connections  # every connection lent came back
    await client.delete("linli_t_conn:r")
    await client.aclose()


@pytest.mark.parametrize("args", [
    ("GET", "k"),
    ("EVALSHA", "0" * 40, 2, "k1", b"k2", "中文", -5, 0, 10**20, b"\x00\xff" * 5000),
    ("SET", "k", "x" * 100_000),
    ("CONFIG GET", "maxmemory"),  # a name with a space: split as redis-py does
    ("SET", "k", 1.5),  # float: redis-py's own formatting
    ("SET", "k", memoryview(b"abc")),
])
def test_commands_are_packed_as_redis_py_packs_them(args):
    ours = b"".join(Connection().pack_command(*args))
    theirs = b"".join(RedisPyConnection().pack_command(*args))
    assert ours == theirs


@pytest.mark.parametrize("bad", [True, None, object()])
def test_what_redis_py_refuses_is_still_refused(bad):
    with pytest.raises(DataError):
        Connection().pack_command("SET", "k", bad)


async def test_a_script_is_loaded_again_after_the_server_forgets_it(client):
    script = Script("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}", client)
    assert await script(keys=["linli_t_conn:n"], args=["a"]) == [b"linli_t_conn:n", b"a", 1]
    await client.script_flush()  # a restarted or failed-over server has no scripts
    assert await script(keys=["linli_t_conn:n"], args=["中"]) == [
        b"linli_t_conn:n", "中".encode(), 2]
    assert await client.script_exists(script.sha) == [True]


async def test_a_script_runs_on_the_embedded_emulation():
    redis = create_redis(None)
    script = Script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    await redis.delete("linli_t_conn:fake")
    assert await script(keys=["linli_t_conn:fake"], args=[3], client=redis) == 3
    assert await script(["linli_t_conn:fake"], [4], redis) == 7
    with pytest.raises(TypeError):
        await script(["linli_t_conn:fake"], [4])
    await redis.delete("linli_t_conn:fake")
