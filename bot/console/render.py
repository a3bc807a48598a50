"""Rendering a console page: the layout's navigation, the viewer and the CSRF token."""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.console import texts as t
from storage.core.models import Role

# (label, path, who sees it): scripts and the browser tests use these labels and paths.
# who: "staff" (every staff member), "admin" (community and street admins), "station" (who
# hands out rewards at the service station: admins and grid workers, as 核销 in chat).
NAV = (
    ("总览", "/console/", "staff"),
    ("地图", "/console/map", "staff"),
    ("案件", "/console/cases", "staff"),
    ("代录", "/console/intake", "staff"),
    ("心愿", "/console/wishes", "staff"),
    ("积分", "/console/points", "station"),
    ("人员", "/console/staff", "admin"),
    ("周通报", "/console/bulletin", "admin"),
    ("审计", "/console/audit", "admin"),
)
STATION = frozenset({Role.ADMIN, Role.GRID_WORKER})


def allowed(viewer: Any, who: str) -> bool:
    if who == "admin":
        return viewer.scope.is_admin
    if who == "station":
        return viewer.person.role in STATION
    return True


def nav_for(viewer: Any) -> list[tuple[str, str]]:
    if viewer is None:
        return []
    return [(label, path) for label, path, who in NAV if allowed(viewer, who)]


def page(request: web.Request, viewer: Any, template: str, *, status: int = 200,
         **context: Any) -> web.Response:
    from bot.console import JINJA

    context.update(viewer=viewer, nav=nav_for(viewer), here=request.path,
                   once=secrets.token_urlsafe(12),
                   csrf=viewer.session.csrf if viewer is not None else "",
                   flash=request.query.get("msg", "")[:200],
                   flash_error=request.query.get("err", "")[:200])
    response = aiohttp_jinja2.render_template(template, request, context, app_key=JINJA)
    response.set_status(status)
    return response


def plain_page(request: web.Request, title: str, message: str, *, status: int = 200,
               viewer: Any = None) -> web.Response:
    return page(request, viewer, "message.html", status=status, title=title, message=message)


def not_found(request: web.Request, viewer: Any) -> web.Response:
    return plain_page(request, t.NOT_FOUND_TITLE, t.NOT_FOUND, status=404, viewer=viewer)
