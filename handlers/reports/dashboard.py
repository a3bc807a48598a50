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
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from handlers.reports.bulletin import texts as bulletin_texts
from handlers.reports.bulletin.queries import (
    LEFT_OUT,
    MIN_VOLUME,
    Unit,
    compute_window,
    ranked,
    rows_of,
)
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
    today = clock.local(now).date()
    last_day = clock.local(until - timedelta(microseconds=1)).date()
    # independent reads, side by side (each on its own pooled connection)
    figures, (open_count, overdue), (new_today, new_week), days, categories, names = \
        await asyncio.gather(
            compute_window(since, until, scope.q), open_now(cases), new_since(counted, today),
            daily(counted, last_day), by_category(counted, since, until), _place_names())
    total = figures.total
    return Overview(
        since=since, until=until, open=open_count, new_today=new_today, new_week=new_week,
        overdue=overdue, sla_share=total.sla_share, median_accept_h=total.median_accept,
        median_resolve_h=total.median_resolve, satisfaction=total.satisfaction,
        reopen_rate=total.reopen_rate, cases=total.cases, daily=days, by_category=categories,
        grid_ranking=_named(ranked(list(figures.grids.values()), MIN_VOLUME), *names),
        minimum=MIN_VOLUME)


async def open_now(cases: QuerySet[Case]) -> tuple[int, int]:
    """(open, open and overdue) among ``cases``: one count of each, in one read."""
    row = await cases.filter(status__in=list(OPEN_STATUSES)).annotate(
        n=Count("id"), late=Count("id", _filter=Q(overdue=True))).first().values("n", "late")
    return (row["n"], row["late"]) if row else (0, 0)


async def new_since(counted: QuerySet[Case], today: date) -> tuple[int, int]:
    """(submitted since 00:00 today, since Monday 00:00 of this week), in one read."""
    monday = today - timedelta(days=today.weekday())
    row = await counted.filter(created_at__gte=day_start(monday)).annotate(
        week=Count("id", _filter=Q(created_at__gte=day_start(monday))),
        today=Count("id", _filter=Q(created_at__gte=day_start(today)))).first().values(
        "today", "week")
    return (row["today"], row["week"]) if row else (0, 0)


async def daily(cases: QuerySet[Case], last_day: date, days: int = DAYS
                ) -> list[tuple[date, int, int]]:
    """(day, submitted, closed) for the ``days`` Shanghai days ending with ``last_day``:
    the timestamps of those days (one read) counted here between each day's bounds (00:00
    Shanghai as UTC), the same on every database."""
    first = last_day - timedelta(days=days - 1)
    bounds = [day_start(first + timedelta(days=i)) for i in range(days + 1)]
    start, end = bounds[0], bounds[-1]
    rows = await rows_of(cases.filter(Q(created_at__gte=start, created_at__lt=end)
                                      | Q(closed_at__gte=start, closed_at__lt=end))
                         .values("created_at", "closed_at"))
    created = Counter(bisect_right(bounds, at) - 1 for at, _ in rows if start <= at < end)
    closed = Counter(bisect_right(bounds, at) - 1 for _, at in rows
                     if at is not None and start <= at < end)
    return [(first + timedelta(days=i), created[i], closed[i]) for i in range(days)]


async def by_category(cases: QuerySet[Case], since: datetime, until: datetime
                      ) -> list[tuple[str, int]]:
    """Cases submitted in [since, until) per category name, most first."""
    found, named = await asyncio.gather(
        cases.filter(created_at__gte=since, created_at__lt=until).annotate(
            n=Count("id")).group_by("category_code").values_list("category_code", "n"),
        Category.all().values_list("code", "name"))  # a few dozen rows
    counts, names = dict(found), dict(named)
    return sorted(((names.get(code, code), n) for code, n in counts.items()),
                  key=lambda x: (-x[1], x[0]))


async def _place_names() -> tuple[dict[str, str], dict[str, str]]:
    """Grid and community names by code (small tables, read whole beside the figures)."""
    grids, communities = await asyncio.gather(Grid.all().values_list("code", "name"),
                                              Community.all().values_list("code", "name"))
    return dict(grids), dict(communities)


def _named(units: list[Unit], grids: dict[str, str], communities: dict[str, str]
           ) -> list[Unit]:
    """Grid units named as the bulletin names them: 社区·网格."""
    for unit in units:
        community = communities.get(unit.community, unit.community or "")
        grid = grids.get(unit.code, unit.code) if unit.code else bulletin_texts.B_NO_GRID
        unit.name = f"{community}·{grid}"
    return units
