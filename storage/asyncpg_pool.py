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

from contextvars import ContextVar
from typing import Any

import asyncpg
from asyncpg.pool import _PoolConnectionHolderQueue
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import NestedTransactionContext, TransactionContextPooled
from tortoise.exceptions import TransactionManagementError


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


class _BeginFirst:
    """``acquire_connection`` of a ``LazyTransaction``: the lock, then BEGIN if not yet sent."""

    __slots__ = ("client", "_lock")

    def __init__(self, client: LazyTransaction) -> None:
        self.client = client
        self._lock = client._lock

    async def __aenter__(self) -> asyncpg.Connection:
        await self._lock.acquire()
        try:
            await self.client._begin_now()
        except BaseException:
            self._lock.release()
            raise
        return self.client._connection

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        self._lock.release()


# Set while ``LazyTransaction.alone`` / ``before`` send their statement: no BEGIN for it.
_outside: ContextVar[bool] = ContextVar("linli_outside_transaction", default=False)


class LazyTransaction(TransactionWrapper):
    """A transaction whose BEGIN waits for its first statement (PostgreSQL).

    A message's effect (``storage.dedup``) whose statements were all held for its record
    (``storage.held``) sends one statement in all: alone, it is atomic without BEGIN and
    COMMIT, two round trips of the four. ``alone`` sends such a last statement; every other
    statement sends BEGIN first, as an ordinary transaction would have (PostgreSQL takes a
    transaction's snapshot at its first statement, not at BEGIN: nothing else differs).
    ``before`` sends a statement outside the transaction while it has not begun (taking ids
    from sequences, which no rollback gives back anyway)."""

    def __init__(self, connection: Any) -> None:
        super().__init__(connection)
        self._begun = False

    async def begin(self) -> None:  # TransactionContextPooled.__aenter__: nothing sent yet
        self.transaction = self._connection.transaction()

    async def _begin_now(self) -> None:
        if self._begun or _outside.get():
            return
        if self._finalized:
            raise TransactionManagementError("the transaction's last statement was sent")
        try:
            await self.transaction.start()
        except asyncpg.InvalidTransactionStateError as exc:
            raise TransactionManagementError(exc) from exc
        self._begun = True

    @property
    def begun(self) -> bool:
        return self._begun

    def acquire_connection(self) -> Any:
        return _BeginFirst(self)

    def _in_transaction(self) -> Any:
        return _Savepoint(self)

    async def alone(self, sql: str, values: list[Any]) -> list[dict[str, Any]]:
        """The transaction's last statement, its rows as dicts: sent by itself (committing
        itself) when nothing was sent before it, else inside the transaction as usual."""
        if self._begun:
            return await self.execute_query_dict(sql, values)
        if self._finalized:
            raise TransactionManagementError("the transaction's last statement was sent")
        self._finalized = True  # whatever happens: nothing may follow, nothing to end
        return await self._unbegun(sql, values)

    async def before(self, sql: str, values: list[Any]) -> list[dict[str, Any]]:
        """``sql`` outside the transaction if it has not begun (else inside it): only for
        what a rollback would not undo anyway (``nextval``)."""
        if self._begun:
            return await self.execute_query_dict(sql, values)
        return await self._unbegun(sql, values)

    async def _unbegun(self, sql: str, values: list[Any]) -> list[dict[str, Any]]:
        """``sql`` through tortoise's own path (its lock, its errors), without BEGIN. The mark
        is the task's own (a context variable): another task's statement on the same
        transaction, waiting for the lock meanwhile, still sends BEGIN first."""
        token = _outside.set(True)
        try:
            return await self.execute_query_dict(sql, values)
        finally:
            _outside.reset(token)

    async def commit(self) -> None:
        if not self._begun:  # nothing was sent, or the last statement went alone
            self._finalized = True
            return
        await super().commit()

    async def rollback(self) -> None:
        if not self._begun:
            self._finalized = True
            return
        await super().rollback()


class _Savepoint:
    """A block nested in a ``LazyTransaction``: BEGIN first if it was not sent, then the
    savepoint (asyncpg would take a nested block of a connection with no transaction open
    for a transaction of its own)."""

    def __init__(self, outer: LazyTransaction) -> None:
        self.outer = outer
        self.inner: Any = None

    async def __aenter__(self) -> Any:
        async with self.outer._lock:
            await self.outer._begin_now()
        self.inner = NestedTransactionContext(TransactionWrapper(self.outer))
        return await self.inner.__aenter__()

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        await self.inner.__aexit__(exc_type, exc_val, exc_tb)


def lazy_transaction(client: Any) -> Any:
    """``in_transaction()`` for ``client`` with BEGIN deferred (``LazyTransaction``) when it
    is this module's client; else tortoise's own."""
    if isinstance(client, FairPoolClient):
        return TransactionContextPooled(LazyTransaction(client), client._pool_init_lock)
    return client._in_transaction()
