"""The mini-program API at /api/v1: a sub-application with its own error handling.

Each module in ``bot.api.routes`` declares its operations; they are routed here and described
by the OpenAPI document at ``/api/v1/openapi.json``. The handlers call the same ``handlers``
and ``rewards`` functions the chat does: one use case, two transports.
"""

from __future__ import annotations

import json
from functools import cache

from aiohttp import web

from bot.api import openapi, texts
from bot.api.errors import ApiError, error_middleware
from bot.api.framework import dispatch
from bot.api.operations import Operation
from bot.api.routes import auth, me, photos, points, privacy, reports, staff, wishes

PREFIX = "/api/v1"
MODULES = [auth, photos, reports, staff, wishes, points, privacy, me]


def operations() -> list[Operation]:
    return [op for module in MODULES for op in module.routes]


@cache
def document() -> str:
    return json.dumps(openapi.build(operations()), ensure_ascii=False)


async def openapi_view(request: web.Request) -> web.Response:
    return web.Response(text=document(), content_type="application/json")


async def not_found(request: web.Request) -> web.Response:
    raise ApiError(404, "not_found", texts.NO_SUCH_ENDPOINT)


def create_api_app() -> web.Application:
    api = web.Application(middlewares=[error_middleware])
    seen: set[tuple[str, str]] = set()
    for op in operations():
        if (op.method, op.path) in seen:
            raise RuntimeError(f"two operations for {op.method} {op.path}")
        seen.add((op.method, op.path))
        api.router.add_route(op.method, op.path, dispatch(op))
    api.router.add_get("/openapi.json", openapi_view)
    api.router.add_route("*", "/{tail:.*}", not_found)
    return api


def add_routes(app: web.Application) -> None:
    app.add_subapp(PREFIX, create_api_app())
