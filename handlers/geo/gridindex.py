"""Which grid a point belongs to: an STRtree over the grid polygons, in local metres (pure).

A point inside a grid (its boundary included, within ``EDGE_TOLERANCE_M``) belongs to it; on a
boundary shared by two grids, the lowest code wins. A point outside every grid goes to the
nearest grid within ``max_distance_m``; beyond that it has no grid, and ``community`` names
the community of the nearest grid all the same, whose admin gets what no grid covers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from handlers.geo.errors import BadCoordinates
from handlers.geo.geometry import projection_for, to_metres

EDGE_TOLERANCE_M = 0.05
NEAREST_BOUND_M = 500.0

How = Literal["inside", "nearest", "building", "none"]


@dataclass(frozen=True)
class Place:
    """Where a report is: the grid that handles it (None: route to ``community``'s admin)."""

    lat: float
    lng: float
    how: How
    grid: str | None = None
    grid_name: str | None = None
    community: str | None = None  # community code; None only when there are no grids at all
    community_name: str | None = None
    compound: str | None = None  # compound code when the point is inside a compound
    building: str | None = None  # building code when located from a building
    distance_m: float | None = None  # to the grid (0 inside); None without grids


@dataclass(frozen=True)
class GridArea:
    code: str
    name: str
    community: str
    community_name: str
    geometry: BaseGeometry  # lon/lat (GCJ-02)


@dataclass(frozen=True)
class CompoundArea:
    code: str
    geometry: BaseGeometry


class GridIndex:
    def __init__(self, grids: list[GridArea], compounds: list[CompoundArea]) -> None:
        self.grids = sorted(grids, key=lambda g: g.code)
        self.compounds = sorted(compounds, key=lambda c: c.code)
        self.projection = projection_for(g.geometry for g in self.grids)
        self._grid_tree = self._tree(g.geometry for g in self.grids)
        self._compound_tree = self._tree(c.geometry for c in self.compounds)

    def _tree(self, geoms) -> shapely.STRtree:
        return shapely.STRtree([to_metres(g, self.projection) for g in geoms])

    def _point(self, lat: float, lng: float) -> Point:
        return Point(*self.projection.to_xy(lng, lat))

    def locate(self, lat: float, lng: float, *, max_distance_m: float = NEAREST_BOUND_M
               ) -> Place:
        if not (math.isfinite(lat) and math.isfinite(lng) and abs(lat) <= 90
                and abs(lng) <= 180):
            raise BadCoordinates(f"not a latitude/longitude: {lat!r}, {lng!r}")
        if not self.grids:
            return Place(lat, lng, "none")
        point = self._point(lat, lng)
        compound = self.compound_at(lat, lng)
        hits = self._grid_tree.query(point, predicate="dwithin", distance=EDGE_TOLERANCE_M)
        if len(hits):
            return self._place(lat, lng, "inside", int(min(hits)), 0.0, compound)
        idx, dist = self._grid_tree.query_nearest(point, return_distance=True)
        nearest, distance = int(min(idx)), float(dist[0])
        how: How = "nearest" if distance <= max_distance_m else "none"
        return self._place(lat, lng, how, nearest, distance, compound)

    def compound_at(self, lat: float, lng: float) -> str | None:
        hits = self._compound_tree.query(self._point(lat, lng), predicate="dwithin",
                                         distance=EDGE_TOLERANCE_M)
        return self.compounds[int(min(hits))].code if len(hits) else None

    def _place(self, lat: float, lng: float, how: How, i: int, distance: float,
               compound: str | None) -> Place:
        g = self.grids[i]
        grid = (g.code, g.name) if how != "none" else (None, None)
        return Place(lat, lng, how, *grid, g.community, g.community_name, compound,
                     None, round(distance, 1))
