"""Metres on the ground from lon/lat: a local equirectangular projection and distances.

A district spans a few kilometres, so projecting around its mid-latitude keeps errors well
under a metre per kilometre; that is what the grid index uses for "nearest grid within 500 m".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


@dataclass(frozen=True)
class LocalProjection:
    """x, y in metres east and north of (``lat0``, ``lng0``)."""

    lat0: float
    lng0: float

    @property
    def _kx(self) -> float:
        return EARTH_RADIUS_M * math.cos(math.radians(self.lat0)) * math.pi / 180

    def to_xy(self, lng: float, lat: float) -> tuple[float, float]:
        return ((lng - self.lng0) * self._kx,
                (lat - self.lat0) * EARTH_RADIUS_M * math.pi / 180)

    def project_coords(self, coords):
        """For ``shapely.transform``: an (n, 2) array of lon/lat → metres."""
        out = coords.copy()
        out[:, 0] = (coords[:, 0] - self.lng0) * self._kx
        out[:, 1] = (coords[:, 1] - self.lat0) * EARTH_RADIUS_M * math.pi / 180
        return out


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bbox_around(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, min_lng, max_lat, max_lng) enclosing a circle: a cheap prefilter for queries.

    Check candidates with ``distance_m`` afterwards; the box is slightly larger than the circle.
    """
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    coslat = max(math.cos(math.radians(lat)), 1e-6)
    dlng = math.degrees(radius_m / (EARTH_RADIUS_M * coslat))
    return lat - dlat, lng - dlng, lat + dlat, lng + dlng
