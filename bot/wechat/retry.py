"""Retrying -1 "system error": a few tries with exponential backoff, nothing else retried."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.wechat.errors import SystemBusy

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; the n-th wait is about ``base_delay * 2**(n-1)``."""

    attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 2.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failure (jittered, so callers spread)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (failures - 1))
        return ceiling * (0.5 + random.random() / 2)


async def retry_busy(call: Callable[[], Awaitable[T]], policy: RetryPolicy) -> T:
    """Run ``call``; on ``SystemBusy`` wait and try again up to the limit, then re-raise.

    Quota errors, rejected tokens and network failures propagate at once: a network failure
    may hide a message WeChat did deliver, so sending it again is the caller's decision.
    """
    failures = 0
    while True:
        try:
            return await call()
        except SystemBusy:
            failures += 1
            if failures >= policy.attempts:
                raise
            await asyncio.sleep(policy.delay(failures))
