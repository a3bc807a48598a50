"""WGS84 (what Open311 speaks) to and from GCJ-02 (what cases and grids are drawn in)."""

from __future__ import annotations

from handlers.geo.gcj02 import wgs84_to_gcj02

PLACES = 7  # about a centimetre


def to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    gcj_lng, gcj_lat = wgs84_to_gcj02(lng, lat)
    return gcj_lat, gcj_lng


def to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """The inverse by fixed-point iteration: the shift varies slowly, so a few rounds give
    millimetres."""
    wgs_lat, wgs_lng = lat, lng
    for _ in range(4):
        gcj_lat, gcj_lng = to_gcj02(wgs_lat, wgs_lng)
        wgs_lat, wgs_lng = wgs_lat + (lat - gcj_lat), wgs_lng + (lng - gcj_lng)
    return round(wgs_lat, PLACES), round(wgs_lng, PLACES)
