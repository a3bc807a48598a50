"""Every request: a request id, one access-log line and the HTTP metrics.

The outermost middleware of the app (``middleware(proxies)``), so it sees every route (webhook,
mini-program API, Open311, console, privacy download, health, metrics, the sandbox):

- the request id is the ``X-Request-ID`` header when the request comes from a trusted proxy
  (``bot.proxies``) and the id is sane (1-64 of ``A-Za-z0-9._-``), else a fresh random one;
  it is ``logs.request_id`` for every log line of the request and goes back in the response's
  ``X-Request-ID`` (errors and streamed answers included: ``on_response_prepare``);
- behind a trusted proxy the handler gets the request as the client made it (remote, scheme,
  host from X-Forwarded-*);
- one JSON line on the ``linli.access`` logger: method, path (never the query string: the
  webhook's carries signatures and Open311's an api_key; a path parameter named ``token`` is
  shown as the route's ``{token}``), route, status, duration, bytes, the client's address as
  seen after the proxy, and (by the formatter) the request id;
- ``linli_http_requests`` / ``linli_http_request_seconds`` for the webhook, API, Open311 and
  console, labelled by route template (never a path with ids), method and status class.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot import keys, logs, metrics
from bot.proxies import TrustedProxies

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SECRET_PARAMS = frozenset({"token"})  # a one-time link's token, an Open311 token
SURFACES = (("/wechat", "webhook"), ("/api/", "api"), ("/open311/", "open311"),
            ("/console", "console"))
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
MAX_PATH = 256
CLIENT_GONE = 499  # nginx's word for a client that left before the answer
NOTES = web.RequestKey("linli_access_notes", dict)
log = logging.getLogger("linli.access")
errors = logging.getLogger("linli.errors")
# The metrics' children by label values: a dict look-up instead of ``labels()`` per request.
_children: dict[tuple[str, str, str, str], tuple[Any, Any]] = {}


def annotate(request: web.Request, **fields: object) -> None:
    """Fields for the request's access-log line (the webhook's message kind...), instead of a
    line of their own."""
    request[NOTES] = {**request.get(NOTES, {}), **fields}


def public_base(request: web.BaseRequest) -> str:
    """Where people reach the service, for links built while answering ``request``:
    LINLI_PUBLIC_URL when set, else this request's scheme and host (behind a trusted proxy,
    the forwarded ones)."""
    return (request.config_dict[keys.SETTINGS].public_url
            or f"{request.scheme}://{request.host}")


def request_id(request: web.BaseRequest, trusted: bool) -> str:
    """The proxy's id for the request when it is believed and sane, else a new one."""
    if trusted:
        given = request.headers.get(HEADER, "")
        if SANE_ID.fullmatch(given):
            return given
    return f"{random.getrandbits(64):016x}"  # unique, not secret: no system call for it


def route_of(request: web.BaseRequest) -> str:
    """The route's template (``/api/v1/reports/{number}``), or ``unmatched``."""
    match_info = getattr(request, "match_info", None)
    resource = match_info.route.resource if match_info is not None else None
    return resource.canonical if resource is not None else "unmatched"


def surface_of(route: str, path: str) -> str | None:
    """Which public surface a request belongs to (None: health, metrics, the sandbox...)."""
    where = path if route == "unmatched" else route
    for prefix, surface in SURFACES:
        if where.startswith(prefix):
            return surface
    return None


def path_of(request: web.BaseRequest, route: str) -> str:
    """The path for the log: no query string, secrets in the path replaced by the route."""
    match_info = getattr(request, "match_info", None)
    if match_info is not None and not SECRET_PARAMS.isdisjoint(match_info):
        return route
    path = request.path
    return logs.scrub(path if len(path) <= MAX_PATH else path[:MAX_PATH] + "...")


def _size(response: web.StreamResponse) -> int | None:
    return response.body_length if response.prepared else response.content_length


def record(request: web.BaseRequest, status: int, size: int | None, started: float) -> None:
    """The access-log line and the metrics of one finished request."""
    elapsed = time.perf_counter() - started
    route = route_of(request)
    surface = surface_of(route, request.path)
    method = request.method if request.method in METHODS else "OTHER"
    if surface is not None:
        _observe(surface, route, method, status, elapsed)
    if log.isEnabledFor(logging.INFO):
        extra = {"method": method, "path": path_of(request, route), "route": route,
                 "status": status, "duration_ms": round(elapsed * 1000, 2), "bytes": size,
                 "remote": request.remote or "-", **request.get(NOTES, {})}
        # The record made directly: logging's search of the stack for the caller is a quarter
        # of the line's cost, and the JSON lines do not show it.
        log.handle(log.makeRecord(log.name, logging.INFO, __file__, 0, "request", (), None,
                                  extra=extra))


def _observe(surface: str, route: str, method: str, status: int, elapsed: float) -> None:
    key = (surface, route, method, f"{status // 100}xx")
    children = _children.get(key)
    if children is None:
        children = _children[key] = (metrics.HTTP_REQUESTS.labels(*key),
                                     metrics.HTTP_SECONDS.labels(*key[:3]))
    children[0].inc()
    children[1].observe(elapsed)


def middleware(proxies: TrustedProxies | None) -> Callable[[web.Request, Handler],
                                                            Awaitable[web.StreamResponse]]:
    """The middleware for an app whose trusted proxies are ``proxies`` (None: none)."""

    @web.middleware
    async def handle(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        trusted = proxies is not None and proxies.trusts(request)
        rid = request_id(request, trusted)
        logs.request_id.set(rid)
        seen = [request]  # the request the handler saw (the forwarded one behind a proxy)
        if trusted:
            async def inner(forwarded: web.Request) -> web.StreamResponse:
                seen.append(forwarded)
                return await handler(forwarded)

            call = proxies.forward(request, inner)
        else:
            call = handler(request)
        try:
            response = await call
        except web.HTTPException as exc:
            record(seen[-1], exc.status, _size(exc), started)
            raise
        except asyncio.CancelledError:
            record(seen[-1], CLIENT_GONE, None, started)
            raise
        except Exception:
            errors.exception("unhandled error")
            response = web.Response(status=500, text="500 Internal Server Error")
        record(seen[-1], response.status, _size(response), started)
        return response

    return handle


async def _stamp(request: web.Request, response: web.StreamResponse) -> None:
    """Every response, streamed and error ones included, says its request's id (the
    middleware set it for the task that prepares the response)."""
    response.headers[HEADER] = logs.request_id.get()


def install(app: web.Application, proxies: TrustedProxies | None) -> None:
    """Put the request middleware first in ``app`` and stamp every response."""
    logs.install()  # log records take the request id as they are made
    app.middlewares.insert(0, middleware(proxies))
    app.on_response_prepare.append(_stamp)
