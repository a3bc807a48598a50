"""Work that must wait until the current transaction has committed: ``on_commit(callback)``.

A use case whose effect has a follow-up in a transaction of its own (the points for a
confirmed case or wish: the ledger keeps its own transaction) registers it with
``on_commit`` where the effect happens, so no transport can forget it. Whatever runs the
transaction collects the callbacks: ``storage.dedup.effect`` (every chat effect and every
API operation that creates something) and ``transaction()`` here (sweeps and anything else).
They run once the outermost collecting transaction has committed, in registration order;
never after a rollback, nor for a repeat (``AlreadyHandled``). A failing callback is logged
and skipped: its work must be something a sweep catches up on, as it must after a crash.

``on_commit`` outside any collecting transaction raises RuntimeError rather than lose the
work or run it before anything committed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

log = logging.getLogger(__name__)

Callback = Callable[[], Awaitable[object]]

_pending: ContextVar[list[Callback] | None] = ContextVar("linli_after_commit", default=None)


def on_commit(callback: Callback) -> None:
    """Run ``callback()`` once the current transaction has committed (never on rollback)."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError(f"on_commit({_name(callback)}) outside a transaction that runs "
                           "after-commit work: use storage.dedup.effect or "
                           "storage.aftercommit.transaction")
    pending.append(callback)


@asynccontextmanager
async def collecting() -> AsyncIterator[None]:
    """Collect the ``on_commit`` work registered in the block; put the transaction inside it.

    On a clean exit the work runs, or, inside another collecting block, is handed to that
    one (it runs when the outermost commits). On an exception it is dropped.
    """
    outer = _pending.get()
    mine: list[Callback] = []
    token = _pending.set(mine)
    try:
        yield
    finally:
        _pending.reset(token)
    if outer is not None:
        outer.extend(mine)
    else:
        await _run(mine)


@asynccontextmanager
async def transaction() -> AsyncIterator[BaseDBAsyncClient]:
    """``in_transaction()`` whose ``on_commit`` work runs after it commits."""
    async with collecting(), in_transaction() as conn:
        yield conn


async def _run(work: list[Callback]) -> None:
    for callback in work:
        try:
            await callback()
        except Exception:  # logged; the domain's sweep catches up, as after a crash
            log.exception("after-commit work %s failed; left to its sweep", _name(callback))


def _name(callback: Callback) -> str:
    """``module.function`` of a callback, for logs: never its arguments (an openid may be one)."""
    while isinstance(callback, functools.partial):
        callback = callback.func
    module = getattr(callback, "__module__", None) or ""
    qualname = getattr(callback, "__qualname__", None) or type(callback).__name__
    return f"{module}.{qualname}" if module else qualname
