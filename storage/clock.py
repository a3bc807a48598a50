"""The one clock everything asks for the time; tests move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_offset = timedelta(0)


def now() -> datetime:
    """Timezone-aware UTC now (shifted by tests through ``advance``)."""
    return datetime.now(UTC) + _offset


def local(dt: datetime | None = None) -> datetime:
    """The time people see: Asia/Shanghai."""
    return (dt or now()).astimezone(SHANGHAI)


def advance(delta: timedelta) -> None:
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = timedelta(0)
