"""The district's small geography tables kept in process: buildings, compounds, communities
(with their street), grids - what place names and routing read for every case.

Kept while the reference facts' version stays the same (``storage.facts``: database triggers
bump it on any change to these tables, whoever makes it), so a place name or a routing
look-up costs no query of its own. Geometries are not kept here (``grids`` keeps its index).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from handlers.geo.projection import bbox_around
from storage.facts import Cached
from storage.geo.models import Building, Community, Compound, Grid

CELL_DEG = 0.001  # the buckets of the nearest-building search (about 111 m × 80 m here)


@dataclass(frozen=True)
class BuildingFact:
    code: str
    name: str
    lat: float
    lng: float
    grid: str
    grid_name: str
    community: str
    community_name: str
    compound: str | None


@dataclass(frozen=True)
class CommunityFact:
    code: str
    name: str
    street_name: str
    admin_openid: str | None
    admin_name: str


@dataclass(frozen=True)
class CompoundFact:
    code: str
    name: str
    property_org: str | None


@dataclass(frozen=True)
class GridFact:
    code: str
    deputy_openid: str | None


def _cell(lat: float, lng: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEG), math.floor(lng / CELL_DEG)


@dataclass
class Atlas:
    buildings: dict[str, BuildingFact] = field(default_factory=dict)
    communities: dict[str, CommunityFact] = field(default_factory=dict)
    compounds: dict[str, CompoundFact] = field(default_factory=dict)
    grids: dict[str, GridFact] = field(default_factory=dict)
    cells: dict[tuple[int, int], list[BuildingFact]] = field(default_factory=dict)

    def near(self, lat: float, lng: float, radius_m: float) -> list[BuildingFact]:
        """The buildings in the box of ``radius_m`` around the point (not yet by distance)."""
        lo_lat, lo_lng, hi_lat, hi_lng = bbox_around(lat, lng, radius_m)
        (r0, c0), (r1, c1) = _cell(lo_lat, lo_lng), _cell(hi_lat, hi_lng)
        return [b for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
                for b in self.cells.get((r, c), ())
                if lo_lat <= b.lat <= hi_lat and lo_lng <= b.lng <= hi_lng]


async def _load() -> Atlas:
    atlas = Atlas()
    for row in await Building.all().values(
            "code", "name", "lat", "lng", "compound_id", grid_code="grid__code",
            grid_name="grid__name", community="grid__community__code",
            community_name="grid__community__name"):
        atlas.buildings[row["code"]] = BuildingFact(
            row["code"], row["name"], row["lat"], row["lng"], row["grid_code"],
            row["grid_name"], row["community"], row["community_name"], row["compound_id"])
    compounds = await Compound.all().values("id", "code", "name", "property_org")
    codes = {c["id"]: c["code"] for c in compounds}
    for code, fact in atlas.buildings.items():  # the compound's code, not its id
        compound = codes.get(fact.compound) if fact.compound is not None else None
        fact = atlas.buildings[code] = replace(fact, compound=compound)
        atlas.cells.setdefault(_cell(fact.lat, fact.lng), []).append(fact)
    atlas.compounds = {c["code"]: CompoundFact(c["code"], c["name"], c["property_org"])
                       for c in compounds}
    atlas.communities = {c["code"]: CommunityFact(c["code"], c["name"], c["street"],
                                                  c["admin_openid"], c["admin_name"])
                         for c in await Community.all().values(
                             "code", "name", "admin_openid", "admin_name",
                             street="street__name")}
    atlas.grids = {g["code"]: GridFact(g["code"], g["deputy_openid"])
                   for g in await Grid.all().values("code", "deputy_openid")}
    return atlas


_atlas = Cached(_load)


async def current() -> Atlas:
    return await _atlas.get()
