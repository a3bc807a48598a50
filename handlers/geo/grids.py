"""Grid lookup for the report use cases: a process-wide ``GridIndex`` kept in step with the db.

Each lookup first asks the database for a cheap signature of the geography (row counts and the
latest ``updated_at`` of grids, communities and compounds: one small aggregate query) and
rebuilds the index only when it changed, so an import by another process (``linli grids
import``) is seen by the next lookup. Writers must save through the models (``auto_now``),
or call ``invalidate()`` in their process after a bulk ``update()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import Tortoise

from handlers.geo.geometry import geometry_from_text
from handlers.geo.gridindex import NEAREST_BOUND_M, CompoundArea, GridArea, GridIndex, Place
from storage import readonce
from storage.geo.models import Building, Compound, Grid

__all__ = ["NEAREST_BOUND_M", "Place", "current_index", "invalidate", "locate",
           "locate_building"]

_SIGNATURE_SQL = (
    "SELECT (SELECT COUNT(*) FROM geo_grid) AS grids,"
    " (SELECT MAX(updated_at) FROM geo_grid) AS grid_at,"
    " (SELECT COUNT(*) FROM geo_compound) AS compounds,"
    " (SELECT MAX(updated_at) FROM geo_compound) AS compound_at,"
    " (SELECT MAX(updated_at) FROM geo_community) AS community_at")


@dataclass
class _Cache:
    signature: tuple | None = None
    index: GridIndex | None = None
    builds: int = 0  # how many times this process built an index (for tests and metrics)


_cache = _Cache()


def invalidate() -> None:
    """Forget the index: the next lookup rebuilds it."""
    _cache.signature = None
    _cache.index = None


def builds() -> int:
    return _cache.builds


async def _signature() -> tuple:
    conn = Tortoise.get_connection("default")
    row = (await conn.execute_query_dict(_SIGNATURE_SQL))[0]
    return (conn.capabilities.dialect, *(str(row[k]) for k in sorted(row)))


async def _build() -> GridIndex:
    grids = [GridArea(g.code, g.name, g.community.code, g.community.name,
                      geometry_from_text(g.geometry))
             for g in await Grid.all().prefetch_related("community")]
    compounds = [CompoundArea(c.code, geometry_from_text(c.geometry))
                 for c in await Compound.filter(geometry__isnull=False)]
    return GridIndex(grids, compounds)


async def current_index() -> GridIndex:
    signature = await readonce.read("grids:signature", _signature)
    if _cache.index is None or _cache.signature != signature:
        index = await _build()
        _cache.signature, _cache.index = signature, index
        _cache.builds += 1
    assert _cache.index is not None
    return _cache.index


async def locate(lat: float, lng: float, *, max_distance_m: float = NEAREST_BOUND_M) -> Place:
    """The grid of a point given in GCJ-02 (a WeChat location: lat = Location_X, lng = Y).

    ``how`` is "inside", "nearest" (outside every grid but within ``max_distance_m``) or
    "none" (``grid`` is None: route to the admin of ``community``, the nearest community).
    Raises ``BadCoordinates`` for a latitude/longitude that is not one.
    """
    index = await current_index()
    return index.locate(lat, lng, max_distance_m=max_distance_m)


async def locate_building(code: str) -> Place | None:
    """Where a building is (a resident's "就在我楼下"): its point, grid, community, compound."""
    building = await Building.get_or_none(code=code.strip().upper()).prefetch_related(
        "grid__community", "compound")
    if building is None:
        return None
    grid, compound = building.grid, building.compound
    return Place(building.lat, building.lng, "building", grid.code, grid.name,
                 grid.community.code, grid.community.name,
                 compound.code if compound else None, building.code, 0.0)
