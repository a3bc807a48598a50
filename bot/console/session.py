"""Who is looking at the console: the session cookie, the viewer and cross-site checks.

A session is an opaque token in an HttpOnly cookie (``storage.console_sessions``, in Redis
with a TTL). Every page resolves it to a ``Viewer``: the person (still staff, or the session
is refused) and their scope. Every changing request must come from our own pages: its
``Origin`` (or ``Referer``) must be this site, and its form carries the session's CSRF token
(htmx sends it as ``X-CSRF-Token``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web

from bot import keys
from bot.console import texts as t
from handlers.reports.staff.scope import Scope, scope_of
from storage import console_sessions
from storage.console_sessions import ConsoleSession
from storage.core.models import Person

COOKIE = "linli_console"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"


@dataclass
class Viewer:
    person: Person
    scope: Scope
    session: ConsoleSession

    @property
    def openid(self) -> str:
        return self.person.openid


class NotSignedIn(web.HTTPSeeOther):
    def __init__(self) -> None:
        super().__init__(location="/console/login")


def secure_cookie(request: web.Request) -> bool:
    """Secure when people reach us over https: LINLI_PUBLIC_URL says so, or the request
    came over https (behind a trusted proxy: its X-Forwarded-Proto)."""
    return (request.config_dict[keys.SETTINGS].public_url.startswith("https://")
            or request.secure)


def set_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="Lax", path="/console",
                        secure=secure_cookie(request),
                        max_age=console_sessions.SESSION_TTL)


async def current(request: web.Request) -> Viewer | None:
    token = request.cookies.get(COOKIE, "")
    if not token:
        return None
    kv = request.config_dict[keys.KV_STORE]
    session = await console_sessions.get(kv, token)
    if session is None:
        return None
    person = await Person.get_or_none(openid=session.openid)
    scope = await scope_of(person) if person is not None else None
    if person is None or scope is None:  # the role was withdrawn: the session ends
        await console_sessions.revoke(kv, session)
        return None
    return Viewer(person, scope, session)


async def viewer(request: web.Request) -> Viewer:
    """The signed-in viewer, or a redirect to the sign-in page."""
    found = await current(request)
    if found is None:
        raise NotSignedIn()
    return found


DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def _origin(scheme: str, netloc: str) -> str:
    scheme, netloc = scheme.lower(), netloc.lower()
    return f"{scheme}://{netloc.removesuffix(DEFAULT_PORTS.get(scheme, '-'))}"


def same_origin(request: web.Request) -> bool:
    """Whether a changing request comes from our own pages (Origin, else Referer): the
    same scheme and host as this request (behind a trusted proxy: the forwarded ones) or as
    LINLI_PUBLIC_URL."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    if not source or source == "null":
        return False
    parts = urlsplit(source)
    public = urlsplit(request.config_dict[keys.SETTINGS].public_url or "")
    allowed = {_origin(request.scheme, request.host)}
    if public.netloc:
        allowed.add(_origin(public.scheme, public.netloc))
    return _origin(parts.scheme, parts.netloc) in allowed


def check_csrf(request: web.Request, viewer_: Viewer | None, form: dict | None) -> None:
    """Refuse (403) a changing request from another site or without the session's token."""
    if not same_origin(request):
        raise web.HTTPForbidden(text=t.CROSS_SITE, content_type="text/plain")
    if viewer_ is None:
        return
    sent = request.headers.get(CSRF_HEADER) or (form or {}).get(CSRF_FIELD, "")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, viewer_.session.csrf):
        raise web.HTTPForbidden(text=t.BAD_TOKEN, content_type="text/plain")


async def form_of(request: web.Request, viewer_: Viewer) -> dict[str, str]:
    """The posted form of a changing request, after the cross-site checks (files apart)."""
    data = await request.post()
    form = {k: v for k, v in data.items() if isinstance(v, str)}
    check_csrf(request, viewer_, form)
    return form


def client_ip(request: web.Request) -> str:
    """The client's address (behind a trusted proxy, from its X-Forwarded-For: bot.proxies)."""
    return request.remote or ""
