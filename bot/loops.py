"""Which asyncio event loop the long-running processes use (``LINLI_EVENT_LOOP``).

``uvloop`` (libuv, in C) is the default where it is installed: measured in
docs/benchmarks.md ("Event loop, Redis parser, JSON"), it takes about a fifth off the CPU each
webhook message costs. ``asyncio`` is the standard library's loop, for platforms without uvloop
(Windows) or for debugging. Tests and one-shot CLI commands keep the standard loop.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable

CHOICES = ("uvloop", "asyncio")


def available(name: str) -> bool:
    return name == "asyncio" or importlib.util.find_spec(name) is not None


def default() -> str:
    return "uvloop" if available("uvloop") else "asyncio"


def factory(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    """A function that makes a new loop of the kind ``name``."""
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


def new_loop(name: str) -> asyncio.AbstractEventLoop:
    """A new loop, set as the thread's current one (aiohttp's ``run_app`` runs it)."""
    loop = factory(name)()
    asyncio.set_event_loop(loop)
    return loop
