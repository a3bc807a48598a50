"""The web console (指挥中心): a third transport beside chat and the API.

Server-rendered pages (aiohttp-jinja2) with a little progressive enhancement, charts and the
grid map drawn by the vendored ECharts from linli's own GeoJSON. Every page gathers values
from ``handlers`` queries and every action calls the use case the chat calls; this package
only translates HTTP to plain values and back. Mounted at ``/console`` by ``bot.app``.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.console import filters, login
from bot.console.pages import ROUTES

PREFIX = "/console"
HERE = Path(__file__).parent
JINJA = web.AppKey("console_jinja", jinja2.Environment)


def create_console_app() -> web.Application:
    app = web.Application(client_max_size=12 * 1024 * 1024)
    env = aiohttp_jinja2.setup(app, app_key=JINJA, autoescape=True,
                               loader=jinja2.FileSystemLoader(HERE / "templates"),
                               undefined=jinja2.StrictUndefined)
    filters.install(env)
    app.router.add_static("/static", HERE / "static", name="static")
    login.add_routes(app)
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
    app.middlewares.append(login.security_headers)
    return app


def add_routes(app: web.Application) -> None:
    app.add_subapp(PREFIX, create_console_app())
