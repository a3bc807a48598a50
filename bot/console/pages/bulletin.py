"""周通报 ``/console/bulletin[/2026-W47]``: the weekly bulletin of any ISO week as a page.

Admins only (anyone else: 404). The case figures are the text bulletin's
(``handlers.reports.bulletin.view``: a street admin sees every unit ``linli bulletin --week``
lists, a community admin their communities and grids); fulfilled wishes per community are
``handlers.wishes.queries.fulfilled_counts``; points awarded come from the ledger
(``handlers.points.awarded``: earned by rule per community and grid, operator grants in the
district's total only). Charts drawn by console.js; a print stylesheet fits it on A4.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from aiohttp import web

from bot.console import session
from bot.console import texts as t
from bot.console.jsondata import script_json
from bot.console.render import not_found, page, plain_page
from handlers.points.awarded import Awarded, awarded_in
from handlers.reports.bulletin.queries import Unit, last_week, week_bounds, week_of
from handlers.reports.bulletin.view import WeekView, week_view
from handlers.wishes.queries import fulfilled_counts
from storage import clock
from storage.geo.models import Community

NO_COMMUNITY = "未填"  # fulfilled_counts' name for a wish without a community


@dataclass
class Row:
    """One community's fulfilled wishes and points earned by rule."""

    name: str
    wishes: int
    points: int


async def bulletin_latest(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    if not viewer.scope.is_admin:
        return not_found(request, viewer)
    chosen = request.query.get("week", "").strip()
    if chosen:  # the week selector (a GET form): the week's own address
        raise web.HTTPSeeOther(f"/console/bulletin/{quote(chosen[:16], safe='')}")
    return await _show(request, viewer, last_week())


async def bulletin_week(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    if not viewer.scope.is_admin:
        return not_found(request, viewer)
    return await _show(request, viewer, request.match_info["week"])


async def _show(request: web.Request, viewer: session.Viewer, week: str) -> web.StreamResponse:
    try:
        since, until = week_bounds(week)
    except ValueError:
        return plain_page(request, t.BAD_WEEK_TITLE, t.BAD_WEEK.format(week=week[:16]),
                          status=400, viewer=viewer)
    communities = viewer.scope.communities_seen()
    view, wishes, points = await asyncio.gather(
        week_view(week, communities), fulfilled_counts(since, until), awarded_in(since, until))
    rows, granted = await _wishes_and_points(communities, wishes.by_community, points)
    return page(request, viewer, "bulletin.html", v=view, rows=rows, granted=granted,
                wishes_total=sum(r.wishes for r in rows),
                points_total=sum(r.points for r in rows) + granted,
                community_points=points.by_community, grid_points=points.by_grid,
                start=clock.local(since).date(), end=clock.local(until - timedelta(seconds=1)).date(),
                previous=week_of(since - timedelta(days=7)), following=week_of(until),
                charts=script_json(_charts(view)))


async def _wishes_and_points(communities: frozenset[str] | None,
                             wishes: list[tuple[str, int]], points: Awarded
                             ) -> tuple[list[Row], int]:
    """Rows per community (by name: wishes name their community, points its code) and the
    operators' grants; a community admin sees their communities only, and no grants."""
    names = dict(await Community.all().values_list("code", "name"))
    seen = None if communities is None else {names.get(c, c) for c in communities}
    by_name: dict[str, Row] = {}

    def row(name: str) -> Row:
        return by_name.setdefault(name, Row(name, 0, 0))

    for name, n in wishes:
        row(name).wishes += n
    for code, n in points.by_community.items():
        row(names.get(code, code) if code else NO_COMMUNITY).points += n
    rows = sorted((r for r in by_name.values() if seen is None or r.name in seen),
                  key=lambda r: (-r.wishes, -r.points, r.name))
    return rows, points.granted if communities is None else 0


def _unit_chart(units: list[Unit]) -> dict:
    return {"names": [u.name for u in units], "cases": [u.cases for u in units],
            "sla": [None if u.sla_share is None else round(u.sla_share * 100) for u in units]}


def _charts(view: WeekView) -> dict:
    return {"communities": _unit_chart(view.communities), "grids": _unit_chart(view.grids)}
