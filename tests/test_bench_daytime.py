"""Benchmarks run in the working day whatever the hour: at 05:20 Shanghai time the outbox
benchmark once delivered 0 of 15,000 pushes (all held by the quiet hours)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from benchmarks.daytime import DAY_FROM, DAY_UNTIL, at_daytime
from handlers.push.compose import quiet_until
from storage import clock


def _set_local(hour: int, minute: int) -> None:
    now = clock.local()
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    clock.advance(target - now)


@pytest.mark.parametrize(("hour", "minute"), [(5, 20), (23, 59), (0, 0), (7, 1), (16, 30),
                                              (21, 59)])
def test_outside_the_day_the_clock_moves_to_the_next_working_hours(hour: int, minute: int
                                                                   ) -> None:
    _set_local(hour, minute)
    before: datetime = clock.now()
    shift = at_daytime()
    assert shift > timedelta(0)
    assert shift < timedelta(hours=24)
    assert clock.now() - before >= shift - timedelta(seconds=1)
    assert DAY_FROM <= clock.local().hour < DAY_UNTIL
    assert quiet_until() is None


def test_in_the_day_the_clock_stays() -> None:
    _set_local(12, 0)
    assert at_daytime() == timedelta(0)
    assert clock.local().hour == 12
