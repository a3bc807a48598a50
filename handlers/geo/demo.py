"""Demo geography and categories for ``make run`` / ``linli demo-data`` (idempotent).

南湖街道 in central Changchun (GCJ-02): 4 communities, 8 grids G01–G08 tiling about
1.5 km × 0.8 km around 43.8860 N, 125.3180 E (inside G01, in 明珠小区, looked after by
长春万科物业 · 明珠小区), 15 buildings (B12-1 … B17-1), 2 compounds, and the default taxonomy.
"""

from __future__ import annotations

from pathlib import Path

from handlers.categories.service import load_categories
from handlers.geo.geojson_import import import_file

DEMO_STREET = Path(__file__).parent / "data" / "demo_street.geojson"


async def load_geo_demo() -> str:
    categories = await load_categories()
    geo = await import_file(DEMO_STREET)
    grids, buildings = geo.counts["grid"], geo.counts["building"]
    total = sum(len(x) for x in (categories.created, categories.updated, categories.unchanged))
    return (f"南湖街道: {sum(grids.values())} grids, {sum(buildings.values())} buildings "
            f"({geo.changed} rows added or changed); {total} categories "
            f"({len(categories.created) + len(categories.updated)} added or changed)")
