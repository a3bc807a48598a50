"""The console's map (地图): the grids as GeoJSON, shaded by their cases, and case markers.

The grids drawn are those the viewer's scope covers: every grid for a street admin, the
grids of their communities for a community admin, their own grids (and those they deputise)
for a grid worker, plus for everyone the grids of the cases in their scope (a case assigned
to them elsewhere; all of a property manager's or a department's), so every marker lies on
a drawn grid. Each grid's ``open`` and ``overdue`` count the cases in scope only.

The markers are the open cases in scope and those closed in the last 30 days, with a
location, most recent first.
"""

from __future__ import annotations

import json
from datetime import timedelta

from tortoise.expressions import Q
from tortoise.functions import Count

from handlers.reports import render, texts
from handlers.reports.dashboard import scoped
from handlers.reports.staff.scope import Scope
from storage import clock
from storage.geo.models import Category, Grid
from storage.reports.models import OPEN_STATUSES, CaseStatus

RECENT = timedelta(days=30)  # closed cases stay on the map this long


_GRID = ("code", "name", "geometry", "community__code", "community__name")


async def _grids(scope: Scope) -> list[dict]:
    grids = Grid.all().order_by("code")
    if scope.everything:
        return await grids.values(*_GRID)
    codes = set(scope.grids)
    if scope.communities:
        codes |= set(await Grid.filter(community__code__in=sorted(scope.communities))
                     .values_list("code", flat=True))
    # The grids of cases in scope beyond those (a case assigned to the viewer elsewhere, or
    # all of a property manager's or a department's): every marker lies on a drawn grid.
    codes |= {code for code in await scoped(scope).filter(grid_code__isnull=False)
              .distinct().values_list("grid_code", flat=True) if code}
    return await grids.filter(code__in=sorted(codes)).values(*_GRID) if codes else []


async def _counts(scope: Scope, **filters: object) -> dict[str, int]:
    rows = await scoped(scope).filter(status__in=list(OPEN_STATUSES), **filters).annotate(
        n=Count("id")).group_by("grid_code").values("grid_code", "n")
    return {row["grid_code"]: row["n"] for row in rows if row["grid_code"]}


async def grid_layer(scope: Scope) -> dict:
    """A GeoJSON FeatureCollection of the grids in ``scope`` (geometry as stored); each
    feature's properties: code, name, community (its name), community_code, open, overdue."""
    open_, overdue = await _counts(scope), await _counts(scope, overdue=True)
    features = [{"type": "Feature", "id": g["code"], "geometry": json.loads(g["geometry"]),
                 "properties": {"code": g["code"], "name": g["name"],
                                "community": g["community__name"],
                                "community_code": g["community__code"],
                                "open": open_.get(g["code"], 0),
                                "overdue": overdue.get(g["code"], 0)}}
                for g in await _grids(scope)]
    return {"type": "FeatureCollection", "features": features}


async def district_layer() -> dict:
    """Every grid of the district, without counts: where a place is picked (代录)."""
    features = [{"type": "Feature", "id": g["code"], "geometry": json.loads(g["geometry"]),
                 "properties": {"code": g["code"], "name": g["name"],
                                "community": g["community__name"],
                                "community_code": g["community__code"], "open": 0,
                                "overdue": 0}}
                for g in await Grid.all().order_by("code").values(*_GRID)]
    return {"type": "FeatureCollection", "features": features}


async def markers(scope: Scope, limit: int = 2000) -> list[dict]:
    """Open cases in ``scope`` and those closed in the last 30 days, with a location, most
    recent first, at most ``limit``: number, lat, lng, status, status_name, category (its
    name), category_code, overdue, grid."""
    if limit <= 0:
        return []
    recent = clock.now() - RECENT
    cases = scoped(scope).filter(lat__isnull=False, lng__isnull=False)
    shown = Q(status__in=list(OPEN_STATUSES)) | Q(status=CaseStatus.CLOSED,
                                                  closed_at__gte=recent)
    rows = await cases.filter(shown).order_by("-created_at", "-id").limit(limit).values(
        "number", "lat", "lng", "status", "category_code", "overdue", "grid_code")
    names = dict(await Category.filter(code__in=sorted({r["category_code"] for r in rows}))
                 .values_list("code", "name"))
    return [{"number": r["number"], "lat": r["lat"], "lng": r["lng"],
             "status": str(r["status"]),
             "status_name": texts.STATUS_NAMES.get(CaseStatus(r["status"]),
                                                   str(r["status"])),
             "category": names.get(r["category_code"]) or render.category_name(
                 r["category_code"]),
             "category_code": r["category_code"], "overdue": bool(r["overdue"]),
             "grid": r["grid_code"]} for r in rows]
