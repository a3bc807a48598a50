"""Geometry helpers shared by the import and the grid index (pure shapely, no database)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from handlers.geo.projection import LocalProjection

# Overlaps smaller than this (m²) are digitising slivers, not worth a warning.
OVERLAP_WARN_M2 = 1.0
# A building farther than this outside its declared grid is probably in the wrong grid.
BUILDING_OUTSIDE_WARN_M = 5.0


def geometry_from_text(text: str) -> BaseGeometry:
    return shape(json.loads(text))


def building_point(geom: BaseGeometry) -> Point:
    """Where a building is, as a point: the point itself, or a point inside its footprint."""
    return geom if isinstance(geom, Point) else geom.representative_point()


def projection_for(geoms: Iterable[BaseGeometry]) -> LocalProjection:
    """A local projection centred on the geometries' bounding box."""
    geoms = list(geoms)
    if not geoms:
        return LocalProjection(0.0, 0.0)
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    return LocalProjection(lat0=(miny + maxy) / 2, lng0=(minx + maxx) / 2)


def to_metres(geom: BaseGeometry, projection: LocalProjection) -> BaseGeometry:
    return shapely.transform(geom, projection.project_coords)


def grid_containing(grids: Mapping[str, BaseGeometry], point: Point) -> str | None:
    """The lowest code among the grids covering ``point`` (boundary included), or None."""
    hits = sorted(code for code, geom in grids.items() if geom.covers(point))
    return hits[0] if hits else None


def check_grids(grids: Mapping[str, BaseGeometry], specs: Iterable) -> list[str]:
    """Warnings: grids overlapping each other; buildings lying outside their grid."""
    codes = sorted(grids)
    projection = projection_for(grids.values())
    metric = [to_metres(grids[c], projection) for c in codes]
    tree = shapely.STRtree(metric)
    warnings = []
    left, right = tree.query(metric, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j and (area := metric[i].intersection(metric[j]).area) > OVERLAP_WARN_M2:
            warnings.append(f"grids {codes[i]} and {codes[j]} overlap by {area:.0f} m²: "
                            f"points there go to {codes[i]}")
    for spec in specs:
        if spec.kind != "building" or spec.parents.get("grid") not in grids:
            continue
        grid = spec.parents["grid"]
        point = to_metres(building_point(spec.geometry), projection)
        away = metric[codes.index(grid)].distance(point)
        if away > BUILDING_OUTSIDE_WARN_M:
            warnings.append(f"{spec.label}: lies {away:.0f} m outside its grid {grid}")
    return warnings
