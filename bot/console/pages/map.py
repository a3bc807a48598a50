"""地图 ``/console/map``: the grids in scope shaded by open cases, and the cases as markers.

Drawn from linli's own grid geometry (no map tiles: intranets are often offline). Clicking a
grid opens the case list of that grid, clicking a marker opens the case.
"""

from __future__ import annotations

from aiohttp import web

from bot.console import session
from bot.console.render import page
from handlers.reports import mapdata


async def map_page(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    return page(request, viewer, "map.html")


async def map_data(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    grids = await mapdata.grid_layer(viewer.scope)
    markers = await mapdata.markers(viewer.scope)
    return web.json_response({"grids": grids, "markers": markers},
                             headers={"Cache-Control": "no-store"})


async def district_data(request: web.Request) -> web.StreamResponse:
    """Every grid, no counts and no cases: the map a place is picked on (代录)."""
    await session.viewer(request)
    return web.json_response({"grids": await mapdata.district_layer(), "markers": []})
