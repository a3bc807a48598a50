"""What the operator's ``linli grids list`` shows: every grid with its place and its size."""

from __future__ import annotations

from typing import Any

from handlers.geo.geometry import geometry_from_text, projection_for, to_metres
from storage.geo.models import Building, Community, Grid


async def grid_rows() -> list[dict[str, Any]]:
    grids = await Grid.all().order_by("code").prefetch_related("community__street")
    buildings: dict[int, list[str]] = {}
    for grid_id, code in await Building.all().order_by("code").values_list("grid_id", "code"):
        buildings.setdefault(grid_id, []).append(code)
    geoms = {g.code: geometry_from_text(g.geometry) for g in grids}
    projection = projection_for(geoms.values())
    rows = []
    for g in grids:
        geom = geoms[g.code]
        centre = geom.representative_point()
        rows.append({
            "code": g.code, "name": g.name,
            "community": g.community.code, "community_name": g.community.name,
            "street": g.community.street.code, "street_name": g.community.street.name,
            "deputy_name": g.deputy_name or None, "deputy_openid": g.deputy_openid,
            "area_m2": round(to_metres(geom, projection).area),
            "point": [round(centre.y, 6), round(centre.x, 6)],  # lat, lng inside the grid
            "buildings": buildings.get(g.id, []),
        })
    return rows


async def community_names() -> list[str]:
    """The district's communities, by code (the choices a person picks from by number)."""
    return list(await Community.all().order_by("code").values_list("name", flat=True))


def pick_name(text: str, names: list[str]) -> str | None:
    """One of ``names`` from what a person typed: its number (1-based), the exact name, or a
    part that only one name contains ("繁荣" → 繁荣社区); else None."""
    text = text.strip()
    if text.isdigit():
        return names[int(text) - 1] if 1 <= int(text) <= len(names) else None
    if text in names:
        return text
    found = [name for name in names if text and text in name]
    return found[0] if len(found) == 1 else None
