"""Reference data read at most once while one message or request is handled.

A report's 确认 looks its category up for the duplicate check, for the case and for the
reply, and the grid index's signature for the place and for the place's name. Inside
``scope()`` (the report flow's 确认, the API's create) the first read is remembered for the
rest of the block; outside one every call reads afresh, so sweeps, the CLI and anything
long-lived never hold a stale copy. Only what the block does not itself change belongs here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("linli_read_once", default=None)


@contextmanager
def scope() -> Iterator[None]:
    """Remember reads made through ``read`` until the block ends (nested: the outer one)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def prime(key: Hashable, value: Any) -> None:
    """Remember ``value`` as the read of ``key`` (read together with something else), if a
    scope is open and nothing was read under the key yet."""
    memo = _memo.get()
    if memo is not None:
        memo.setdefault(key, value)


async def read(key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
    """``load()``, once per ``key`` inside a scope; every time outside one."""
    memo = _memo.get()
    if memo is None:
        return await load()
    if key not in memo:
        memo[key] = await load()
    return memo[key]
