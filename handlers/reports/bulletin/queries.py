"""The weekly bulletin's figures (周通报): per grid and per community for one ISO week.

A week runs Monday 00:00 to Monday 00:00, Asia/Shanghai. Each figure counts what happened in
the week: cases submitted (merged and hidden ones left out); the median time from submission
to acceptance of cases accepted; the median time from submission to resolution and the share
resolved by their deadline, of cases resolved; reopenings per resolution; the mean rating of
cases closed with a rating.

``compute_window`` counts the same figures for any window and, given a console scope's
``Scope.q``, only the cases in that scope: the console's overview (``handlers.reports.dashboard``)
is this computation, so its figures and the bulletin's agree by construction.
"""

from __future__ import annotations

import asyncio
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet, ValuesQuery

from storage import clock
from storage.reports.models import Case, CaseEvent, CaseStatus

LEFT_OUT = [CaseStatus.MERGED, CaseStatus.HIDDEN]
MIN_VOLUME = 5  # units with fewer cases in the period are shown but not ranked
# A resolution's history row: plain, or waiting for 核查 (review_ok then needs no second count)
RESOLUTIONS = ("resolve", "resolve_review")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)


@dataclass
class Unit:
    """One grid or community (or the whole district)."""

    code: str | None
    name: str = ""
    community: str | None = None  # a grid's community code
    cases: int = 0
    accept_hours: list[float] = field(default_factory=list)
    resolve_hours: list[float] = field(default_factory=list)  # submission to resolution
    resolved: int = 0
    on_time: int = 0
    resolutions: int = 0
    reopens: int = 0
    ratings: list[int] = field(default_factory=list)

    @property
    def median_accept(self) -> float | None:
        return statistics.median(self.accept_hours) if self.accept_hours else None

    @property
    def median_resolve(self) -> float | None:
        return statistics.median(self.resolve_hours) if self.resolve_hours else None

    @property
    def sla_share(self) -> float | None:
        return self.on_time / self.resolved if self.resolved else None

    @property
    def reopen_rate(self) -> float | None:
        return self.reopens / self.resolutions if self.resolutions else None

    @property
    def satisfaction(self) -> float | None:
        return statistics.fmean(self.ratings) if self.ratings else None


@dataclass
class Figures:
    week: str
    since: datetime
    until: datetime
    total: Unit
    communities: dict[str | None, Unit]
    grids: dict[tuple[str | None, str | None], Unit]
    _units: dict[tuple[str | None, str | None], list[Unit]] = field(
        default_factory=dict, repr=False, compare=False)

    def units(self, community: str | None, grid: str | None) -> list[Unit]:
        """The units a case in this community and grid counts for: the total, both."""
        found = self._units.get((community, grid))
        if found is None:
            c = self.communities.setdefault(community, Unit(community))
            g = self.grids.setdefault((community, grid), Unit(grid, community=community))
            found = self._units[community, grid] = [self.total, c, g]
        return found


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) of ISO week ``2026-W47`` in Shanghai, as UTC."""
    match = _WEEK.match(week.strip())
    if not match:
        raise ValueError(f"not an ISO week: {week!r} (expected e.g. 2026-W47)")
    monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    start = datetime.combine(monday, time(), clock.SHANGHAI).astimezone(UTC)
    return start, start + timedelta(days=7)


def week_of(moment: datetime) -> str:
    year, week, _ = clock.local(moment).isocalendar()
    return f"{year}-W{week:02d}"


def last_week(now: datetime | None = None) -> str:
    """The last full week before ``now`` (what Monday's bulletin reports)."""
    return week_of((now or clock.now()) - timedelta(days=7))


async def compute(week: str) -> Figures:
    """The bulletin's figures for ISO week ``week`` (the whole district)."""
    since, until = week_bounds(week)
    figures = await compute_window(since, until)
    figures.week = week
    return figures


ScopeQ = Callable[[str], Q | None]  # Scope.q: the filter of the cases in scope, by prefix
Rows = list[dict[str, Any]]


async def compute_window(since: datetime, until: datetime,
                         scope_q: ScopeQ | None = None) -> Figures:
    """The figures of [since, until); with ``scope_q`` (a console ``Scope.q``) only the cases
    in scope count: ``scope_q()`` filters cases, ``scope_q("case__")`` their events.

    The five reads run side by side (each on its own pooled connection); the rows are then
    counted in a fixed order, so the units come in the same order every time."""
    since, until = since.astimezone(UTC), until.astimezone(UTC)  # SQLite compares UTC text
    figures = Figures(week_of(since), since, until, Unit(None), {}, {})
    cases, events = _cases(), CaseEvent.filter(case__status__not_in=LEFT_OUT)
    if scope_q is not None:
        case_q, event_q = scope_q(""), scope_q("case__")
        cases = cases.filter(case_q) if case_q is not None else cases
        events = events.filter(event_q) if event_q is not None else events
    window = {"gte": since, "lt": until}

    def within(column: str) -> dict[str, datetime]:
        return {f"{column}__{op}": at for op, at in window.items()}

    found = await asyncio.gather(
        cases.filter(**within("created_at")).annotate(n=Count("id")).group_by(*_PLACE)
        .order_by(*_PLACE).values(*_PLACE, "n"),
        rows_of(cases.filter(**within("accepted_at")).values(*_PLACE, "created_at",
                                                           "accepted_at")),
        rows_of(cases.filter(**within("resolved_at")).values(*_PLACE, "created_at", "resolved_at",
                                                           "resolve_due_at")),
        rows_of(cases.filter(**within("closed_at"), rating__isnull=False).annotate(
            n=Count("id")).group_by(*_PLACE, "rating").order_by(*_PLACE, "rating").values(
            *_PLACE, "rating", "n")),
        rows_of(events.filter(**within("at"), action__in=[*RESOLUTIONS, "reopen"]).annotate(
            n=Count("id")).group_by(*_EVENT_PLACE, "action").order_by(
            *_EVENT_PLACE, "action").values(*_EVENT_PLACE, "action", "n")))
    for count, rows in zip((_count_submitted, _count_accepted, _count_resolved, _count_rated,
                            _count_resolutions), found, strict=True):
        count(figures, rows)
    return figures


_PLACE = ("community_code", "grid_code")
_EVENT_PLACE = ("case__community_code", "case__grid_code")
_DATETIME = Case._meta.fields_map["created_at"]


def _cases() -> QuerySet[Case]:
    return Case.filter(status__not_in=LEFT_OUT)


async def rows_of(query: ValuesQuery[Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values()`` query as tuples in its columns' order, the timestamps as
    aware datetimes. Read as the database driver returns them: tortoise's conversion of
    each value costs more than the counting (PostgreSQL returns aware datetimes already;
    SQLite's text is converted here, by the field as tortoise would)."""
    query.sql()  # builds the query (and picks the connection) as awaiting it would
    sql, params = query.query.get_parameterized_sql()
    _, found = await query._db.execute_query(sql, params)
    dated = [i for i, name in enumerate(query._fields_for_select) if name.endswith("_at")]
    rows = [tuple(row) for row in found]
    if all(_aware(next((row[i] for row in rows if row[i] is not None), None)) for i in dated):
        return rows  # PostgreSQL's driver returns aware datetimes (a column, one type)
    return [tuple(_DATETIME.to_python_value(v) if i in dated and not _aware(v) else v
                  for i, v in enumerate(row)) for row in rows]


def _aware(value: Any) -> bool:
    return value is None or isinstance(value, datetime) and value.tzinfo is not None


def _by_place(rows: list[tuple[Any, ...]]) -> dict[tuple[Any, Any], list[tuple[Any, ...]]]:
    """Rows (community, grid, …) per place, the places in the order they first come."""
    places: dict[tuple[Any, Any], list[tuple[Any, ...]]] = {}
    for row in rows:
        places.setdefault(row[:2], []).append(row)
    return places


def _count_submitted(figures: Figures, rows: Rows) -> None:
    for row in rows:  # counted by the database, per place
        for unit in figures.units(row["community_code"], row["grid_code"]):
            unit.cases += row["n"]


def _count_accepted(figures: Figures, rows: list[tuple[Any, ...]]) -> None:
    for place, found in _by_place(rows).items():  # (community, grid, created, accepted)
        hours = [(accepted - created).total_seconds() / 3600
                 for _, _, created, accepted in found]
        for unit in figures.units(*place):
            unit.accept_hours.extend(hours)


def _count_resolved(figures: Figures, rows: list[tuple[Any, ...]]) -> None:
    for place, found in _by_place(rows).items():  # (community, grid, created, resolved, due)
        hours = [(resolved - created).total_seconds() / 3600
                 for _, _, created, resolved, _ in found]
        on_time = sum(due is None or resolved <= due for _, _, _, resolved, due in found)
        for unit in figures.units(*place):
            unit.resolved += len(found)
            unit.on_time += on_time
            unit.resolve_hours.extend(hours)


def _count_rated(figures: Figures, rows: list[tuple[Any, ...]]) -> None:
    for place, found in _by_place(rows).items():  # (community, grid, rating, how many)
        ratings = [rating for _, _, rating, n in found for _ in range(n)]
        for unit in figures.units(*place):
            unit.ratings.extend(ratings)


def _count_resolutions(figures: Figures, rows: list[tuple[Any, ...]]) -> None:
    for place, found in _by_place(rows).items():  # (community, grid, action, how many)
        resolutions = sum(n for _, _, action, n in found if action in RESOLUTIONS)
        reopens = sum(n for _, _, action, n in found if action == "reopen")
        for unit in figures.units(*place):
            unit.resolutions += resolutions
            unit.reopens += reopens


def ranked(units: list[Unit], minimum: int) -> list[Unit]:
    """Units with at least ``minimum`` cases, best first: on time, then quick to accept."""
    eligible = [u for u in units if u.cases >= minimum]
    return sorted(eligible, key=lambda u: (-(u.sla_share or 0.0),
                                           u.median_accept if u.median_accept is not None
                                           else float("inf"), -u.cases))
