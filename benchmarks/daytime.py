"""Benchmarks must not depend on the time of day: non-urgent pushes wait out the quiet hours
(22:00-07:00 Shanghai, ``handlers.push.compose``), so a run at 05:20 would deliver nothing.

``at_daytime()`` moves this process's clock (``storage.clock``) to the nearest coming
10:00-16:00 Shanghai time when the real time is outside it, and says so; ``refuse`` prints why
a run has no figure.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.push.compose import quiet_until
from storage import clock

DAY_FROM, DAY_UNTIL = 10, 16  # Shanghai hours: far from the quiet hours on either side


def at_daytime() -> timedelta:
    """Shift the clock into the working day if needed; returns the shift (zero if none)."""
    local = clock.local()
    if DAY_FROM <= local.hour < DAY_UNTIL:
        return timedelta(0)
    target = local.replace(hour=DAY_FROM, minute=0, second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    shift = target - local
    clock.advance(shift)
    assert quiet_until() is None, "the shifted clock is still in the quiet hours"
    print(f"(clock moved {shift} forward to {clock.local():%H:%M} Shanghai time: "
          "pushes are held in the quiet hours, and a benchmark must not depend on the hour)")
    return shift


def refuse(what: str, done: int, expected: int) -> None:
    print(f"NO FIGURE: {what} did {done} of {expected}; a run that did not do the work has "
          "no result")
