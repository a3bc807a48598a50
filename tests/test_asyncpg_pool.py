"""storage.asyncpg_pool: PostgreSQL connections lent first come, first served (issue 17's
tail latency), against asyncpg's own queue and a real pool."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from asyncpg.pool import _PoolConnectionHolderQueue
from tortoise import Tortoise

from storage.asyncpg_pool import FairPoolClient, FairQueue, make_fair
from tests.conftest import PG_ADMIN_URL


class _Holder:
    """What the pool's queue holds (asyncpg's PoolConnectionHolder), as far as it looks."""

    def is_connected(self) -> bool:
        return True


async def _arrivals(queue: asyncio.Queue, items: int, waiters: int) -> list[int]:
    """``waiters`` tasks ask for an item one after the other while the queue is empty; then
    each item is put back as a newcomer asks in the same turn of the loop (a request that
    reaches its query just then): who got the items, in order."""
    served: list[int] = []

    async def ask(k: int) -> None:
        item = await queue.get()
        served.append(k)
        await asyncio.sleep(0)
        queue.put_nowait(item)

    tasks = [asyncio.ensure_future(ask(k)) for k in range(waiters)]
    await asyncio.sleep(0)  # all of them wait, in order
    late = []
    for i in range(items):
        queue.put_nowait(_Holder())
        late.append(asyncio.ensure_future(ask(100 + i)))  # asks before the woken one runs
    await asyncio.gather(*tasks, *late)
    return served


async def test_a_newcomer_waits_behind_those_who_came_first():
    fair = await _arrivals(FairQueue(), items=2, waiters=6)
    assert fair[:6] == [0, 1, 2, 3, 4, 5]  # the first six served are the first six to ask
    # asyncpg's own queue (an asyncio.LifoQueue): the newcomers overtake the woken waiters,
    # who go to the back of the line - what this module is for (the test can tell).
    theirs = await _arrivals(_PoolConnectionHolderQueue(), items=2, waiters=6)
    assert theirs[:6] != [0, 1, 2, 3, 4, 5]


async def test_a_waiter_cancelled_after_it_was_handed_a_connection_passes_it_on():
    queue = FairQueue()
    first = asyncio.ensure_future(queue.get())
    second = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    queue.put_nowait("conn")  # handed to the first waiter...
    first.cancel()  # ...which is cancelled (a timeout) before it runs
    assert await second == "conn"
    assert first.cancelled()
    assert queue.empty() and not queue._getters


async def test_a_waiter_cancelled_before_its_turn_leaves_the_line():
    queue = FairQueue()
    gone = asyncio.ensure_future(queue.get())
    stays = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    queue.put_nowait("conn")
    assert await stays == "conn"
    assert not queue._getters


async def test_a_waiter_that_is_gone_does_not_hold_up_a_newcomer():
    queue = FairQueue()
    idle = _Holder()
    queue.put_nowait(idle)
    gone = asyncio.get_running_loop().create_future()
    gone.cancel()
    queue._getters.append(gone)  # however it got there: nobody waits on it
    assert await asyncio.wait_for(queue.get(), 1) is idle


async def test_a_real_pool_lends_in_order_under_contention():
    """A pool of 3 connections, 30 queries at once, each holding its connection a moment:
    they get connections in the order they asked."""
    pool = make_fair(await asyncpg.create_pool(
        PG_ADMIN_URL.replace("postgres://", "postgresql://"), min_size=3, max_size=3))
    try:
        assert isinstance(pool._queue, FairQueue) and pool._queue.qsize() == 3
        order: list[int] = []

        async def query(k: int) -> None:
            async with pool.acquire() as conn:
                order.append(k)
                await conn.fetchval("SELECT pg_sleep(0.005)")

        await asyncio.gather(*(query(k) for k in range(30)))
        assert order == list(range(30))
        assert pool._queue.qsize() == 3  # every connection came back
    finally:
        await pool.close()


async def test_linli_s_postgresql_connections_use_it(backend, db):
    if backend.name != "postgres":
        pytest.skip("PostgreSQL's pool")
    client = Tortoise.get_connection("default")
    assert isinstance(client, FairPoolClient)
    await client.execute_query("SELECT 1")  # the pool exists once used
    assert isinstance(client._pool._queue, FairQueue)
