"""总览 ``/console/``: the figures of the viewer's scope and three charts.

The figures come from ``handlers.reports.dashboard.overview``, which counts with the weekly
bulletin's own function: the same week gives the same figures as ``linli bulletin``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from bot.console import session
from bot.console.jsondata import script_json
from bot.console.render import page
from handlers.reports import dashboard
from handlers.reports.bulletin.queries import last_week, week_bounds, week_of
from storage import clock

PERIODS = {"30d": "近30天", "week": "本周", "lastweek": "上周"}


def period_bounds(period: str, now: datetime) -> tuple[datetime, datetime]:
    if period == "week":
        since, _ = week_bounds(week_of(now))
        return since, now
    if period == "lastweek":
        return week_bounds(last_week(now))
    return now - timedelta(days=30), now


async def overview_page(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    period = request.query.get("period", "30d")
    period = period if period in PERIODS else "30d"
    now = clock.now()
    since, until = period_bounds(period, now)
    o = await dashboard.overview(viewer.scope, since, until, now=now)
    charts = {
        "daily": {"days": [d.strftime("%m-%d") for d, _, _ in o.daily],
                  "new": [n for _, n, _ in o.daily], "closed": [c for _, _, c in o.daily]},
        "categories": [{"name": name, "value": n} for name, n in o.by_category],
        "ranking": [{"name": u.name, "share": round((u.sla_share or 0) * 100),
                     "cases": u.cases} for u in o.grid_ranking],
    }
    return page(request, viewer, "overview.html", o=o, period=period, periods=PERIODS,
                charts=script_json(charts))
