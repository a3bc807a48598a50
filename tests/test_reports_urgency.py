"""The urgency rule: staff work whose SLA ends before the quiet hours do goes out at night."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handlers.reports.urgency import ACCEPT, RESOLVE, quiet_end, staff_urgent, step_of
from storage import clock
from storage.geo.models import Category, Responsible
from storage.reports.models import CaseStatus

CATEGORIES = Path(__file__).parent.parent / "handlers" / "categories" / "data" / "categories.json"


def at(hour: int, minute: int = 0, day: int = 10) -> datetime:
    """2026-03-<day> hour:minute in Shanghai, as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=clock.SHANGHAI).astimezone(UTC)


def category(accept: int, resolve: int | None = None) -> Category:
    return Category(code="c", name="c", responsible=Responsible.GRID, accept_sla_hours=accept,
                    resolve_sla_hours=resolve if resolve is not None else accept)


@pytest.mark.parametrize(("now", "end"), [
    (at(4, 5), at(7)),  # inside the quiet hours: this morning
    (at(22), at(7, day=11)),
    (at(23, 59), at(7, day=11)),
    (at(0), at(7)),
    (at(10), at(7, day=11)),  # by day: the end of tonight's quiet hours
    (at(7), at(7, day=11)),  # 07:00 is no longer quiet
    (at(21, 59), at(7, day=11)),
])
def test_quiet_end_is_the_current_or_next_seven_oclock(now, end):
    assert quiet_end(now) == end


@pytest.mark.parametrize(("now", "hours", "urgent"), [
    (at(4, 5), 1, True),  # 井盖缺失 at 04:05: due 05:05
    (at(4, 5), 2, True),
    (at(4), 3, True),  # due exactly at 07:00: inside the quiet period
    (at(4, 5), 3, False),  # due 07:05: the morning is soon enough
    (at(4, 5), 24, False),
    (at(23), 4, True),  # due 03:00
    (at(23), 8, True),  # due 07:00
    (at(23), 9, False),
    (at(21, 30), 8, True),  # pushed now anyway; a retry slipping past 22:00 is not held
    (at(14), 17, True),
    (at(14), 18, False),
    (at(10), 24, False),
])
def test_urgent_when_the_accept_deadline_falls_before_the_quiet_period_ends(now, hours, urgent):
    assert staff_urgent(category(hours, 72), now) is urgent


def test_a_72_hour_sla_is_never_urgent():
    start = at(0)
    for minutes in range(0, 24 * 60, 15):
        assert not staff_urgent(category(72), start + timedelta(minutes=minutes))


def test_the_resolve_step_uses_the_resolve_sla():
    manhole = category(1, 8)
    assert staff_urgent(manhole, at(4, 5), step=ACCEPT)
    assert not staff_urgent(manhole, at(4, 5), step=RESOLVE)  # due 12:05
    assert staff_urgent(manhole, at(22, 30), step=RESOLVE)  # due 06:30
    assert not staff_urgent(category(24, 72), at(4, 5), step=RESOLVE)


def test_no_category_is_not_urgent():
    assert not staff_urgent(None, at(4, 5))


def test_now_defaults_to_the_clock():
    clock.advance(at(4, 5) - clock.now())
    assert staff_urgent(category(1))
    assert not staff_urgent(category(24))


def test_step_of_a_case():
    for status in (CaseStatus.SUBMITTED, CaseStatus.DISPATCHED, CaseStatus.REOPENED):
        assert step_of(status) == ACCEPT
    for status in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS):
        assert step_of(status) == RESOLVE


def test_the_shipped_taxonomy_at_four_past_four():
    """Data-driven: which of the shipped categories wake staff at 04:05."""
    rows = json.loads(CATEGORIES.read_text(encoding="utf-8"))
    rows = rows if isinstance(rows, list) else rows["categories"]
    urgent = {r["code"] for r in rows
              if staff_urgent(category(r["accept_sla_hours"], r["resolve_sla_hours"]), at(4, 5))}
    # accept within 1-2 h: 井盖缺失, 电梯, 下水, 占道经营, 积水, 清雪
    assert urgent == {"manhole_cover", "elevator", "sewer", "street_vending", "waterlogging",
                      "snow_removal"}
