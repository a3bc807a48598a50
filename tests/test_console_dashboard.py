"""The console's overview (总览): the bulletin's figures, the day's counts, the charts."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest

from handlers.reports import dashboard
from handlers.reports.bulletin import queries as bulletin
from handlers.reports.bulletin import render as bulletin_render
from handlers.reports.bulletin import texts as bt
from storage import clock
from storage.reports.models import OPEN_STATUSES, Case, CaseEvent, CaseStatus
from tests.support.cli import run_cli
from tests.support.console_data import WEEK, WEEKS, crafted, scope

FIGURES = ("cases", "sla_share", "median_accept", "median_resolve", "satisfaction",
           "reopen_rate")
LATER = bulletin.week_bounds(WEEKS[-1])[1] + timedelta(days=5, hours=3)  # all data before


def _figures(o: dashboard.Overview) -> tuple:
    return (o.cases, o.sla_share, o.median_accept_h, o.median_resolve_h, o.satisfaction,
            o.reopen_rate)


def _unit(u: bulletin.Unit) -> tuple:
    return tuple(getattr(u, name) for name in FIGURES)


def _total_line(o: dashboard.Overview) -> str:
    """The bulletin's 全街道 line, written from the overview's figures."""
    rating = bt.B_NONE if o.satisfaction is None else f"{o.satisfaction:.1f}分"
    return bt.B_TOTAL.format(cases=o.cases, accept=bulletin_render._hours(o.median_accept_h),
                             sla=bulletin_render.share(o.sla_share),
                             reopen=bulletin_render.share(o.reopen_rate), rating=rating)


async def test_street_admin_week_equals_the_bulletin(db):
    await crafted()
    street = await scope("adm2")
    for week in WEEKS:
        o = await dashboard.overview(street, *bulletin.week_bounds(week), now=LATER)
        total = (await bulletin.compute(week)).total
        assert _figures(o) == _unit(total), week
        assert (o.since, o.until) == bulletin.week_bounds(week)
    o = await dashboard.overview(street, *bulletin.week_bounds(WEEK), now=LATER)
    # the crafted week has every figure: no figure is compared as None == None
    assert None not in _figures(o) and o.cases == 14
    assert 0 < o.sla_share < 1 and 0 < o.reopen_rate < 1 and o.median_resolve_h > 0
    out = await run_cli("bulletin", "--week", WEEK, env={"LINLI_DATABASE_URL": db.database_url})
    assert out.code == 0, out.err
    assert _total_line(o) in out.out.splitlines()


async def test_a_grid_worker_counts_only_their_grid(db):
    await crafted()
    worker, street = await scope("gw1"), await scope("adm2")
    since, until = bulletin.week_bounds(WEEK)
    o = await dashboard.overview(worker, since, until, now=LATER)
    g1 = (await bulletin.compute(WEEK)).grids["C1", "G1"]
    assert _figures(o) == _unit(g1) and o.cases < (await dashboard.overview(
        street, since, until, now=LATER)).cases
    assert o.open == await Case.filter(grid_code="G1", status__in=list(OPEN_STATUSES)).count()
    assert [u.code for u in o.grid_ranking] == ["G1"]
    community = await dashboard.overview(await scope("adm1"), since, until, now=LATER)
    figures = await bulletin.compute(WEEK)
    assert _figures(community) == _unit(figures.communities["C1"])
    assert {u.code for u in community.grid_ranking} <= {"G1", "G2"}


async def test_now_counts_equal_the_database(db):
    await crafted()
    rows = await Case.all()
    day = clock.local(max(c.created_at for c in rows)).date()  # the last day with cases
    now = dashboard.day_start(day) + timedelta(hours=23)
    # a merged case submitted today too: not new (as the bulletin does not count it)
    last = max(c.created_at for c in rows)
    await Case.filter(number="A1250").update(created_at=last + timedelta(minutes=1))
    rows = await Case.all()
    street = await scope("adm2")
    o = await dashboard.overview(street, now=now)
    counted = [c for c in rows if c.status not in (CaseStatus.MERGED, CaseStatus.HIDDEN)]
    local = {c.id: clock.local(c.created_at).date() for c in rows}
    monday = day - timedelta(days=day.weekday())
    assert o.open == sum(c.status in OPEN_STATUSES for c in rows) > 0
    assert o.overdue == sum(c.status in OPEN_STATUSES and c.overdue for c in rows) > 0
    assert o.new_today == sum(local[c.id] == day for c in counted) > 0
    assert o.new_week == sum(monday <= local[c.id] <= day for c in counted) > o.new_today
    assert (o.since, o.until) == (now - timedelta(days=30), now)  # the default period


async def test_daily_chart_and_categories_equal_the_database(db):
    await crafted()
    street = await scope("adm2")
    since, until = bulletin.week_bounds(WEEKS[-1])
    o = await dashboard.overview(street, since, until, now=LATER)
    counted = [c for c in await Case.all()
               if c.status not in (CaseStatus.MERGED, CaseStatus.HIDDEN)]
    assert len(o.daily) == 30 and o.daily[-1][0] == clock.local(until).date() - timedelta(1)
    assert [d for d, _, _ in o.daily] == sorted({d for d, _, _ in o.daily})
    new = Counter(clock.local(c.created_at).date() for c in counted)
    closed = Counter(clock.local(c.closed_at).date() for c in counted if c.closed_at)
    window = {d for d, _, _ in o.daily}
    assert [(d, new[d], closed[d]) for d, _, _ in o.daily] == o.daily
    assert sum(n for _, n, _ in o.daily) == sum(n for d, n in new.items() if d in window) == 42
    assert sum(n for _, _, n in o.daily) > 0
    in_period = Counter(c.category_code for c in counted if since <= c.created_at < until)
    names = {"garbage": "垃圾堆放", "road_damage": "道路破损", "street_light": "路灯"}
    assert dict(o.by_category) == {names[k]: n for k, n in in_period.items()}
    assert [n for _, n in o.by_category] == sorted((n for _, n in o.by_category), reverse=True)
    assert sum(n for _, n in o.by_category) == o.cases == 14


async def test_grid_ranking_is_the_bulletins_above_the_minimum(db):
    await crafted()
    o = await dashboard.overview(await scope("adm2"), *bulletin.week_bounds(WEEK), now=LATER)
    figures = await bulletin.compute(WEEK)
    expected = bulletin.ranked(list(figures.grids.values()), bulletin.MIN_VOLUME)
    assert [u.code for u in o.grid_ranking] == [u.code for u in expected]
    assert o.minimum == bulletin.MIN_VOLUME == bulletin_render.MIN_VOLUME
    assert all(u.cases >= o.minimum for u in o.grid_ranking)
    assert len(o.grid_ranking) < len(figures.grids)  # G2 has too few cases to rank
    assert {u.name for u in o.grid_ranking} == {"明珠社区·第一网格", "南湖社区·第三网格"}
    text, _ = await bulletin_render.render(WEEK)
    ranking = text.split("【排名】")[1]
    order = [m for m in re.findall(r"\d\. (\S+)", ranking) if "网格" in m]
    assert order == [u.name for u in o.grid_ranking]


@pytest.mark.parametrize("week", WEEKS)
async def test_median_resolve_is_submission_to_resolution(db, week):
    await crafted()
    since, until = bulletin.week_bounds(week)
    hours = sorted((c.resolved_at - c.created_at).total_seconds() / 3600
                   for c in await Case.filter(resolved_at__gte=since, resolved_at__lt=until)
                   if c.status not in (CaseStatus.MERGED, CaseStatus.HIDDEN))
    unit = (await bulletin.compute(week)).total
    assert sorted(unit.resolve_hours) == pytest.approx(hours)
    mid = len(hours) // 2
    median = hours[mid] if len(hours) % 2 else (hours[mid - 1] + hours[mid]) / 2
    assert unit.median_resolve == pytest.approx(median)


async def test_a_resolution_waiting_for_review_counts_as_a_resolution(db):
    await crafted()
    since, _ = bulletin.week_bounds(WEEK)
    before = (await bulletin.compute(WEEK)).total
    c = await Case.get(number="A1108")  # a W47 case not resolved
    assert c.resolved_at is None
    await CaseEvent.create(case=c, action="resolve_review", at=since + timedelta(days=2))
    await CaseEvent.create(case=c, action="review_ok", at=since + timedelta(days=3))
    after = (await bulletin.compute(WEEK)).total
    assert (after.resolutions, after.reopens) == (before.resolutions + 1, before.reopens)
