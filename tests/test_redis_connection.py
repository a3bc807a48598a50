"""storage.kv.Connection: redis-py's connection without a task per write, against real Redis."""

from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from storage.kv import Connection, create_redis
from tests.conftest import REDIS_URL


@pytest.fixture
async def client():
    redis = create_redis(REDIS_URL)
    yield redis
    await redis.delete("linli_t_conn:big", "linli_t_conn:n")
    await redis.aclose()


async def test_tcp_clients_use_it(client):
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


async def test_a_connection_closed_by_the_server_is_replaced(client):
    assert await client.incr("linli_t_conn:n") == 1
    conn = await client.connection_pool.get_connection()
    await client.connection_pool.release(conn)
    # Redis drops every client connection (a restart, a failover). As with redis-py's own
    # connection, the command that finds its connection closed fails; the next reconnect.
    admin = create_redis(REDIS_URL)
    try:
        await admin.client_kill_filter(_type="normal", skipme=True)
    finally:
        await admin.aclose()
    with pytest.raises(RedisConnectionError):
        await client.incr("linli_t_conn:n")
    assert await client.incr("linli_t_conn:n") == 2
    assert await client.incr("linli_t_conn:n") == 3
