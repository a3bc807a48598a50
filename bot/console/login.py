"""Signing in with a one-time link, signing out, and the headers every console page gets.

``/console/login?t=…`` shows one button; pressing it (a POST, so a link preview or a
prefetch never uses the link up) redeems the link (``handlers.console_access``) and starts a
session. An unknown, expired or used link is refused with a page that says how to get a new
one (``后台`` in chat).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot import keys
from bot.console import session
from bot.console import texts as t
from bot.console.render import page, plain_page
from handlers import audit, console_access
from storage import console_sessions

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/console/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    token = request.query.get("t", "")
    if await session.current(request) is not None and not token:
        raise web.HTTPSeeOther("/console/")
    return page(request, None, "login.html", token=token[:128])


async def login(request: web.Request) -> web.StreamResponse:
    data = await request.post()
    session.check_csrf(request, None, None)  # from our own page: Origin checked
    token = data.get("t", "")
    person = await console_access.redeem(token) if isinstance(token, str) and token else None
    if person is None:
        return plain_page(request, t.LINK_REFUSED_TITLE, t.LINK_REFUSED, status=403)
    kv = request.config_dict[keys.KV_STORE]
    cookie = await console_sessions.create(kv, person.openid)
    await audit.record(person.openid, "login", ip=session.client_ip(request))
    response = web.HTTPSeeOther("/console/")
    session.set_cookie(request, response, cookie)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    await session.form_of(request, viewer)
    await console_sessions.revoke(request.config_dict[keys.KV_STORE], viewer.session)
    await audit.record(viewer.openid, "logout", ip=session.client_ip(request))
    response = web.HTTPSeeOther("/console/login")
    response.del_cookie(session.COOKIE, path="/console")
    raise response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
