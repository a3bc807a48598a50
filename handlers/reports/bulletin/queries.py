"""The weekly bulletin's figures (周通报): per grid and per community for one ISO week.

A week runs Monday 00:00 to Monday 00:00, Asia/Shanghai. Each figure counts what happened in
the week: cases submitted (merged and hidden ones left out); the median time from submission
to acceptance of cases accepted; the share of cases resolved that were resolved by their
deadline; reopenings per resolution; the mean rating of cases closed with a rating.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from storage import clock
from storage.reports.models import Case, CaseEvent, CaseStatus

LEFT_OUT = [CaseStatus.MERGED, CaseStatus.HIDDEN]
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)


@dataclass
class Unit:
    """One grid or community (or the whole district)."""

    code: str | None
    name: str = ""
    community: str | None = None  # a grid's community code
    cases: int = 0
    accept_hours: list[float] = field(default_factory=list)
    resolved: int = 0
    on_time: int = 0
    resolutions: int = 0
    reopens: int = 0
    ratings: list[int] = field(default_factory=list)

    @property
    def median_accept(self) -> float | None:
        return statistics.median(self.accept_hours) if self.accept_hours else None

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
    since, until = week_bounds(week)
    figures = Figures(week, since, until, Unit(None), {}, {})
    cases = Case.filter(status__not_in=LEFT_OUT)
    place = ("community_code", "grid_code")

    def units(community: str | None, grid: str | None) -> list[Unit]:
        c = figures.communities.setdefault(community, Unit(community))
        g = figures.grids.setdefault((community, grid), Unit(grid, community=community))
        return [figures.total, c, g]

    for row in await cases.filter(created_at__gte=since, created_at__lt=until).values(*place):
        for unit in units(row["community_code"], row["grid_code"]):
            unit.cases += 1
    for row in await cases.filter(accepted_at__gte=since, accepted_at__lt=until).values(
            *place, "created_at", "accepted_at"):
        hours = (row["accepted_at"] - row["created_at"]).total_seconds() / 3600
        for unit in units(row["community_code"], row["grid_code"]):
            unit.accept_hours.append(hours)
    for row in await cases.filter(resolved_at__gte=since, resolved_at__lt=until).values(
            *place, "resolved_at", "resolve_due_at"):
        due = row["resolve_due_at"]
        for unit in units(row["community_code"], row["grid_code"]):
            unit.resolved += 1
            unit.on_time += due is None or row["resolved_at"] <= due
    for row in await cases.filter(closed_at__gte=since, closed_at__lt=until,
                                  rating__isnull=False).values(*place, "rating"):
        for unit in units(row["community_code"], row["grid_code"]):
            unit.ratings.append(row["rating"])
    for row in await CaseEvent.filter(at__gte=since, at__lt=until, action__in=["resolve", "reopen"],
                                      case__status__not_in=LEFT_OUT).values(
            "action", community_code="case__community_code", grid_code="case__grid_code"):
        for unit in units(row["community_code"], row["grid_code"]):
            unit.resolutions += row["action"] == "resolve"
            unit.reopens += row["action"] == "reopen"
    return figures


def ranked(units: list[Unit], minimum: int) -> list[Unit]:
    """Units with at least ``minimum`` cases, best first: on time, then quick to accept."""
    eligible = [u for u in units if u.cases >= minimum]
    return sorted(eligible, key=lambda u: (-(u.sla_share or 0.0),
                                           u.median_accept if u.median_accept is not None
                                           else float("inf"), -u.cases))
