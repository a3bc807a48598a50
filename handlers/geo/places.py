"""A place people recognise, named from linli's own geography (one function for every view).

``place_name(lat, lng, building_code)`` → "明珠小区3号楼附近 · 南湖街道繁荣社区 G01 网格": the
nearest building within ``NEAR_BUILDING_M`` (or the building the resident is bound to, or the
compound the point lies in), then the street, community and grid of the point. Without a
point or a building it is empty; outside the district's geography it falls back to the
coordinates. Coordinates are GCJ-02, as everywhere in ``handlers.geo``.
"""

from __future__ import annotations

import re

from handlers.geo import atlas, grids, texts
from handlers.geo.errors import BadCoordinates
from handlers.geo.geometry import geometry_from_text
from handlers.geo.gridindex import Place
from handlers.geo.projection import distance_m
from storage import readonce
from storage.geo.models import Community, Grid

NEAR_BUILDING_M = 100.0
_POINT_LABEL = re.compile(r"^\s*-?\d{1,3}(?:\.\d+)?\s*,\s*-?\d{1,3}(?:\.\d+)?\s*$")


def point_label(lat: float, lng: float) -> str:
    """The coordinates as text, when nothing better is known."""
    return f"{lat:.5f},{lng:.5f}"


def is_point_label(text: str | None) -> bool:
    """An address that is only coordinates (what was stored for a location without a label)."""
    return bool(text and _POINT_LABEL.match(text))


async def nearest_building(lat: float, lng: float) -> atlas.BuildingFact | None:
    """The building nearest to the point within ``NEAR_BUILDING_M``, or None."""
    rows = (await atlas.current()).near(lat, lng, NEAR_BUILDING_M)
    near = sorted((distance_m(lat, lng, b.lat, b.lng), b.code, b) for b in rows)
    return near[0][2] if near and near[0][0] <= NEAR_BUILDING_M else None


async def _landmark(place: Place, building_code: str | None) -> str | None:
    facts = await atlas.current()
    if building_code:
        building = facts.buildings.get(building_code.strip().upper())
        if building is not None:
            return building.name
    nearest = await nearest_building(place.lat, place.lng)
    if nearest is not None:
        return texts.NEAR_BUILDING.format(building=nearest.name)
    if place.compound:
        compound = facts.compounds.get(place.compound)
        if compound is not None:
            return texts.IN_COMPOUND.format(compound=compound.name)
    return None


async def _area(place: Place) -> str | None:
    if place.community is None:
        return None
    community = (await atlas.current()).communities.get(place.community)
    area = f"{community.street_name}{community.name}" if community else (
        place.community_name or place.community)
    if place.grid:
        return texts.GRID.format(area=area, grid=place.grid)
    return texts.NO_GRID.format(area=area)


async def _locate(lat: float | None, lng: float | None, building_code: str | None
                  ) -> Place | None:
    if building_code and (place := await grids.locate_building(building_code)) is not None:
        return place
    if lat is None or lng is None:
        return None
    try:
        return await grids.locate(lat, lng)
    except BadCoordinates:
        return None


async def place_name(lat: float | None, lng: float | None, building_code: str | None = None
                     ) -> str:
    """Where a point (or a building) is, in words people recognise; "" for nowhere.
    The reference facts' version is read once for the whole name (``storage.facts``)."""
    with readonce.scope():
        return await _place_name(lat, lng, building_code)


async def _place_name(lat: float | None, lng: float | None, building_code: str | None) -> str:
    place = await _locate(lat, lng, building_code)
    if place is None:
        return point_label(lat, lng) if lat is not None and lng is not None else ""
    if place.how == "none" and place.community is None:
        return point_label(place.lat, place.lng)
    parts = [await _landmark(place, building_code), await _area(place)]
    return texts.JOIN.join(p for p in parts if p) or point_label(place.lat, place.lng)


async def area_point(grid: str | None = None, community: str | None = None
                     ) -> tuple[float, float] | None:
    """A representative point (lat, lng) of a grid (by code), else of a community (by code
    or name): where something is placed that has an area but no point of its own."""
    rows = []
    if grid:
        rows.append(await Grid.get_or_none(code=grid.strip().upper()))
    if community:
        rows.append(await Community.get_or_none(code=community.strip().upper())
                    or await Community.filter(name=community.strip()).first())
    for row in rows:
        if row is not None and row.geometry:
            point = geometry_from_text(row.geometry).representative_point()
            return point.y, point.x
    return None
