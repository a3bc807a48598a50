"""Grid lookup for the report use cases: a process-wide ``GridIndex`` kept in step with the db.

The index is rebuilt when the reference facts' version moves (``storage.facts``: database
triggers bump it on any change to the geography, by whoever - an import by another process,
a bulk ``update()``, ``psql``), so the next lookup sees it; reading the version is one small
query, once per message of the report flow. Buildings come from ``atlas``.
"""

from __future__ import annotations

from handlers.geo import atlas
from handlers.geo.geometry import geometry_from_text
from handlers.geo.gridindex import NEAREST_BOUND_M, CompoundArea, GridArea, GridIndex, Place
from storage.facts import Cached
from storage.geo.models import Compound, Grid

__all__ = ["NEAREST_BOUND_M", "Place", "current_index", "invalidate", "locate",
           "locate_building"]


async def _build() -> GridIndex:
    grids = [GridArea(g.code, g.name, g.community.code, g.community.name,
                      geometry_from_text(g.geometry))
             for g in await Grid.all().prefetch_related("community")]
    compounds = [CompoundArea(c.code, geometry_from_text(c.geometry))
                 for c in await Compound.filter(geometry__isnull=False)]
    return GridIndex(grids, compounds)


_index = Cached(_build)


def invalidate() -> None:
    """Forget the index: the next lookup rebuilds it."""
    _index.forget()


def builds() -> int:
    """How many times this process built an index (for tests and metrics)."""
    return _index.loads


async def current_index() -> GridIndex:
    return await _index.get()


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
    b = (await atlas.current()).buildings.get(code.strip().upper())
    if b is None:
        return None
    return Place(b.lat, b.lng, "building", b.grid, b.grid_name, b.community, b.community_name,
                 b.compound, b.code, 0.0)
