"""案件 ``/console/cases``: the filterable, sortable, paged list, and its CSV export.

The export (``/console/cases.csv``, same filters) is streamed in chunks of rows read by
keyset paging (``handlers.reports.search.stream``): memory stays flat however many cases
match. UTF-8 with a byte-order mark, so Excel opens the Chinese intact. Exports are audited.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from aiohttp import web

from bot.console import session
from bot.console import texts as t
from bot.console.render import page
from handlers import audit
from handlers.reports import render as report_render
from handlers.reports import search
from handlers.reports import texts as report_texts
from handlers.reports.staff.scope import Scope
from storage import clock
from storage.geo.models import Category, Community, Grid
from storage.reports.models import CaseSource, CaseStatus

BOM = "\ufeff"


async def choices(scope: Scope) -> dict[str, list[tuple[str, str]]]:
    """What the filters offer: the grids and communities in scope, categories, statuses."""
    grids = Grid.all().prefetch_related("community").order_by("code")
    if not scope.everything:
        grids = grids.filter(community__code__in=sorted(scope.communities)) if \
            scope.communities else grids.filter(code__in=sorted(scope.grids))
    grid_rows = await grids
    communities = await Community.all().order_by("code")
    if not scope.everything and scope.communities:
        communities = [c for c in communities if c.code in scope.communities]
    return {
        "grids": [(g.code, g.name if g.community.name in g.name
                   else f"{g.community.name}·{g.name}") for g in grid_rows],
        "communities": [(c.code, c.name) for c in communities],
        "categories": [(c.code, c.name) for c in
                       await Category.all().order_by("sort_order", "code")],
        "statuses": [(s.value, report_texts.STATUS_NAMES.get(s, s.value)) for s in CaseStatus],
        "sources": [(s.value, t.SOURCE_NAMES.get(s.value, s.value))
                    for s in CaseSource],
    }


def _params(request: web.Request, **changes: object) -> str:
    params = [(k, v) for k, v in request.query.items() if k not in changes]
    params += [(k, str(v)) for k, v in changes.items() if v not in (None, "")]
    return urlencode(params)


async def cases_page(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    query = search.parse_query(request.query)
    rows, total = await search.search(viewer.scope, query)
    await report_render.load_category_names()
    pages = max(1, -(-total // query.per_page))
    return page(request, viewer, "cases.html", rows=rows, total=total, q=query, pages=pages,
                choices=await choices(viewer.scope), query=request.query,
                category_name=report_render.category_name,
                url=lambda **changes: "/console/cases?" + _params(request, **changes),
                csv_url="/console/cases.csv?" + _params(request, page=None),
                now=clock.now())


async def cases_csv(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    query = search.parse_query(request.query)
    stamp = clock.local(clock.now()).strftime("%Y%m%d-%H%M")
    response = web.StreamResponse(headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="linli-cases-{stamp}.csv"',
        "Cache-Control": "no-store"})
    await audit.record(viewer.openid, "export_csv", detail=request.query_string[:500],
                       ip=session.client_ip(request))
    await response.prepare(request)
    await response.write((BOM + _line(search.CSV_HEADER)).encode("utf-8"))
    async for chunk in search.stream(viewer.scope, query):
        await response.write(_lines(await search.csv_rows(chunk)).encode("utf-8"))
    await response.write_eof()
    return response


def _line(row: list[str]) -> str:
    return _lines([row])


def _lines(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()
