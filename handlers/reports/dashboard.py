"""The console's overview (总览): the figures of now and of a period, for one staff scope.

The period figures (share resolved within the SLA, median time to accept and to resolve,
satisfaction, reopen rate, cases) are the weekly bulletin's computation
(``bulletin.queries.compute_window``) over the period and the scope: for a street admin and
an ISO week they are the figures ``linli bulletin --week`` prints.

What "now" counts, on the cases in scope:

- ``open``: status in ``OPEN_STATUSES``;
- ``new_today`` / ``new_week``: submitted since 00:00 of today / since Monday 00:00 of this
  ISO week (Asia/Shanghai), merged and hidden cases left out as the bulletin leaves them out;
- ``overdue``: open and marked overdue by the SLA sweep (``Case.overdue``).

``daily`` has 30 Shanghai days ending with the period's last day: cases submitted and cases
closed (``closed_at``) each day, merged and hidden cases left out. ``by_category`` counts the
cases submitted in the period by category; ``grid_ranking`` is the bulletin's ranking of the
period's grids (only those with at least ``MIN_VOLUME`` cases).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from handlers.reports.bulletin import texts as bulletin_texts
from handlers.reports.bulletin.queries import LEFT_OUT, MIN_VOLUME, Unit, compute_window, ranked
from handlers.reports.staff.scope import Scope
from storage import clock
from storage.geo.models import Category, Community, Grid
from storage.reports.models import OPEN_STATUSES, Case

PERIOD = timedelta(days=30)  # the default period: the last 30 days
DAYS = 30  # days in the daily chart


@dataclass
class Overview:
    since: datetime
    until: datetime  # the period of the period figures: [since, until)
    open: int
    new_today: int
    new_week: int
    overdue: int  # now
    sla_share: float | None
    median_accept_h: float | None
    median_resolve_h: float | None
    satisfaction: float | None
    reopen_rate: float | None
    cases: int  # period figures
    daily: list[tuple[date, int, int]]  # (day, new, closed), oldest first
    by_category: list[tuple[str, int]]  # (category name, cases submitted in the period)
    grid_ranking: list[Unit]  # the bulletin's ranked(), named "社区·网格"
    minimum: int  # the bulletin's MIN_VOLUME


def scoped(scope: Scope) -> QuerySet[Case]:
    """The cases in ``scope`` (all of them, merged and hidden ones too)."""
    q = scope.q()
    return Case.filter(q) if q is not None else Case.all()


def day_start(day: date) -> datetime:
    """00:00 of ``day`` in Shanghai, in UTC (SQLite compares the stored UTC text)."""
    return datetime.combine(day, time(), clock.SHANGHAI).astimezone(UTC)


async def overview(scope: Scope, since: datetime | None = None, until: datetime | None = None,
                   now: datetime | None = None) -> Overview:
    now = (now or clock.now()).astimezone(UTC)
    until = (until or now).astimezone(UTC)
    since = (since or until - PERIOD).astimezone(UTC)
    cases = scoped(scope)
    counted = cases.filter(status__not_in=LEFT_OUT)
    open_ = cases.filter(status__in=list(OPEN_STATUSES))
    today = clock.local(now).date()
    monday = today - timedelta(days=today.weekday())
    last_day = clock.local(until - timedelta(microseconds=1)).date()
    # independent reads, side by side (each on its own pooled connection)
    figures, open_count, new_today, new_week, overdue, days, categories = await asyncio.gather(
        compute_window(since, until, scope.q), open_.count(),
        counted.filter(created_at__gte=day_start(today)).count(),
        counted.filter(created_at__gte=day_start(monday)).count(),
        open_.filter(overdue=True).count(), daily(counted, last_day),
        by_category(counted, since, until))
    total = figures.total
    return Overview(
        since=since, until=until, open=open_count, new_today=new_today, new_week=new_week,
        overdue=overdue, sla_share=total.sla_share, median_accept_h=total.median_accept,
        median_resolve_h=total.median_resolve, satisfaction=total.satisfaction,
        reopen_rate=total.reopen_rate, cases=total.cases, daily=days, by_category=categories,
        grid_ranking=await _named(ranked(list(figures.grids.values()), MIN_VOLUME)),
        minimum=MIN_VOLUME)


async def daily(cases: QuerySet[Case], last_day: date, days: int = DAYS
                ) -> list[tuple[date, int, int]]:
    """(day, submitted, closed) for the ``days`` Shanghai days ending with ``last_day``:
    the timestamps of those days fetched and counted here (the same on every database)."""
    first = last_day - timedelta(days=days - 1)
    start, end = day_start(first), day_start(last_day + timedelta(days=1))
    created_at, closed_at = await asyncio.gather(
        cases.filter(created_at__gte=start, created_at__lt=end).values_list("created_at",
                                                                           flat=True),
        cases.filter(closed_at__gte=start, closed_at__lt=end).values_list("closed_at",
                                                                         flat=True))
    created = Counter(clock.local(at).date() for at in created_at)
    closed = Counter(clock.local(at).date() for at in closed_at)
    out = []
    for i in range(days):
        day = first + timedelta(days=i)
        out.append((day, created[day], closed[day]))
    return out


async def by_category(cases: QuerySet[Case], since: datetime, until: datetime
                      ) -> list[tuple[str, int]]:
    """Cases submitted in [since, until) per category name, most first."""
    counts = dict(await cases.filter(created_at__gte=since, created_at__lt=until).annotate(
        n=Count("id")).group_by("category_code").values_list("category_code", "n"))
    names = dict(await Category.filter(code__in=list(counts)).values_list("code", "name"))
    return sorted(((names.get(code, code), n) for code, n in counts.items()),
                  key=lambda x: (-x[1], x[0]))


async def _named(units: list[Unit]) -> list[Unit]:
    """Grid units named as the bulletin names them: 社区·网格."""
    grids = dict(await Grid.filter(code__in=[u.code for u in units if u.code])
                 .values_list("code", "name"))
    communities = dict(await Community.filter(
        code__in=[u.community for u in units if u.community]).values_list("code", "name"))
    for unit in units:
        community = communities.get(unit.community, unit.community or "")
        grid = grids.get(unit.code, unit.code) if unit.code else bulletin_texts.B_NO_GRID
        unit.name = f"{community}·{grid}"
    return units
