"""tortoise's asyncpg client with a pool that lends its connections first come, first served.

asyncpg's pool keeps its idle connections in an ``asyncio.LifoQueue``. When a connection
comes back, the queue wakes the longest-waiting ``acquire``, but only wakes it: until that
task runs, any other task that asks finds the connection there and takes it, and the woken
one, finding the queue empty again, joins the end of the line. Under load (more requests
in flight than connections, as in a burst of reports) some requests are overtaken again and
again: the tail of the latency (docs/benchmarks.md, issue 17). ``FairQueue`` hands a
returned connection straight to the first waiter, and a newcomer waits behind everyone who
was there first.

The engine module named in the tortoise config (``storage.db``): its ``client_class`` is
tortoise's asyncpg client with this pool. The module's name contains "asyncpg", which is how
tortoise's migration executor picks PostgreSQL's schema editor for a client class.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from asyncpg.pool import _PoolConnectionHolderQueue
from tortoise.backends.asyncpg.client import AsyncpgDBClient


class FairQueue(_PoolConnectionHolderQueue):
    """asyncpg's holder queue (live connections first, then the most recently used), served
    in the order the ``get`` calls came."""

    async def get(self) -> Any:
        getters = self._getters
        while getters and getters[0].done():  # no longer waiting: never block anyone
            getters.popleft()
        if not getters and not self.empty():
            return self.get_nowait()
        waiter = self._get_loop().create_future()
        getters.append(waiter)
        try:
            return await waiter  # put_nowait hands the holder over
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.put_nowait(waiter.result())  # handed over, then cancelled: pass it on
            else:
                waiter.cancel()
                try:
                    self._getters.remove(waiter)
                except ValueError:
                    pass
            raise

    def put_nowait(self, item: Any) -> None:
        while self._getters:
            waiter = self._getters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return
        super().put_nowait(item)


def make_fair(pool: asyncpg.Pool) -> asyncpg.Pool:
    """Give an initialised pool (nobody waiting yet) a ``FairQueue`` with its connections."""
    old = pool._queue
    fair = FairQueue(maxsize=old.maxsize)
    fair._queue.extend(old._queue)  # the same holders, in the same order
    pool._queue = fair
    return pool


class FairPoolClient(AsyncpgDBClient):
    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        return make_fair(await super().create_pool(**kwargs))


client_class = FairPoolClient
