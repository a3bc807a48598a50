"""The weekly bulletin for one viewer (the console's 周通报 page): the text's own figures.

A street admin sees the whole district, exactly the units ``linli bulletin --week`` lists; a
community admin the communities they administer (``Scope.communities_seen()``) and their
grids: only the cases of those communities count, so each of their units has the figures of
the text's line of the same name, and the total is the sum of their communities.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q

from handlers.reports.bulletin import queries
from handlers.reports.bulletin.queries import MIN_VOLUME, Figures, Unit, ranked, week_bounds
from handlers.reports.bulletin.render import in_order, name_units


@dataclass
class WeekView:
    week: str
    figures: Figures
    communities: list[Unit]  # in the text's order
    grids: list[Unit]
    ranking: list[Unit]  # the text's ranking: units with at least ``minimum`` cases
    minimum: int
    whole: bool  # the whole district (a street admin) or some communities


def community_filter(communities: frozenset[str] | None) -> queries.ScopeQ | None:
    """``compute_window``'s filter of the cases of ``communities`` (None: every case)."""
    if communities is None:
        return None
    codes = sorted(communities)
    return lambda prefix="": Q(**{f"{prefix}community_code__in": codes})


async def week_view(week: str, communities: frozenset[str] | None) -> WeekView:
    """The figures of ISO week ``week`` for ``communities`` (None: the whole district).
    ValueError for a string that is not an ISO week."""
    since, until = week_bounds(week)
    week = queries.week_of(since)  # 2026w47 -> 2026-W47
    figures = await queries.compute_window(since, until, community_filter(communities))
    figures.week = week
    await name_units(figures)
    units = [*figures.communities.values(), *figures.grids.values()]
    return WeekView(week=week, figures=figures, communities=in_order(figures.communities.values()),
                    grids=in_order(figures.grids.values()), ranking=ranked(units, MIN_VOLUME),
                    minimum=MIN_VOLUME, whole=communities is None)
