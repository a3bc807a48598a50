"""``/open311/v2``: GeoReport v2 over HTTP. Transport only: the format comes from the URL's
extension (an unknown one is a 404), use cases from ``handlers.open311``, refusals become
the spec's ``errors`` document with the matching HTTP status. ``jurisdiction_id`` is
accepted and ignored: one jurisdiction is served.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot import keys
from bot.api.errors import UNAVAILABLE
from bot.open311.render import CONTENT_TYPES, FORMATS, JSON, XML, render
from bot.requests import public_base
from bot.textcheck import unstorable
from handlers.open311 import params, requests, services, submit, texts
from handlers.open311.errors import BadRequest, Open311Error

PREFIX = "/open311/v2"
MAX_BODY = 64 * 1024
FORM = "application/x-www-form-urlencoded"
FMT = "{fmt:[A-Za-z0-9]+}"
ID = "[^/.]+"  # codes, case numbers and tokens hold no dots: the extension follows one

Handler = Callable[[web.Request], Awaitable[Any]]


def _respond(fmt: str, root: str, value: Any, status: int = 200) -> web.Response:
    return web.Response(body=render(fmt, root, value), status=status,
                        content_type=CONTENT_TYPES[fmt], charset="utf-8")


def _error(fmt: str, status: int, description: str) -> web.Response:
    response = _respond(fmt, "errors", [{"code": status, "description": description}], status)
    if status == 429:
        response.headers["Retry-After"] = str(submit.RATE_WINDOW)
    return response


def document(root: str) -> Callable[[Handler], Handler]:
    """Render what the view returns as ``root`` in the URL's format; refusals as errors."""
    def wrap(view: Handler) -> Handler:
        @wraps(view)
        async def handler(request: web.Request) -> web.Response:
            fmt = request.match_info["fmt"]
            if fmt not in FORMATS:
                return _error(XML, 404, texts.E_FORMAT.format(fmt=fmt))
            if any(unstorable(v) for v in (*request.match_info.values(),
                                           *request.query.keys(), *request.query.values())):
                return _error(fmt, 400, texts.E_CHARACTERS)
            try:
                params.check_path(request.match_info)
                params.check_query(request.query.items())
                value = await view(request)
            except Open311Error as exc:
                return _error(fmt, exc.status, exc.description)
            except UNAVAILABLE:  # Redis or the database unreachable: try again soon
                return _error(fmt, 503, texts.E_UNAVAILABLE)
            return _respond(fmt, root, value)
        return handler
    return wrap


@document("discovery")
async def discovery(request: web.Request) -> Any:
    url = f"{public_base(request)}{PREFIX}"
    return await services.discovery(url, test=request.app[keys.SETTINGS].sandbox)


@document("services")
async def service_list(request: web.Request) -> Any:
    return await services.list_services()


@document("service_definition")
async def service_definition(request: web.Request) -> Any:
    return await services.service_definition(request.match_info["code"])


@document("service_requests")
async def request_list(request: web.Request) -> Any:
    q = request.query
    return await requests.find_requests(
        service_request_id=q.get("service_request_id"), service_code=q.get("service_code"),
        start_date=q.get("start_date"), end_date=q.get("end_date"), status=q.get("status"))


@document("service_requests")
async def one_request(request: web.Request) -> Any:
    return await requests.get_request(request.match_info["id"])


@document("service_requests")
async def token(request: web.Request) -> Any:
    return [await requests.find_token(request.match_info["token"])]


class _TooBig(Open311Error):
    status = 413


async def _form(request: web.Request) -> dict[str, str]:
    if request.content_type != FORM:
        raise BadRequest(texts.E_BODY)
    if (request.content_length or 0) > MAX_BODY:
        raise _TooBig(texts.E_TOO_BIG.format(limit=MAX_BODY))
    chunks, size = [], 0
    async for chunk in request.content.iter_any():  # read() may stop at a chunk's end
        size += len(chunk)
        if size > MAX_BODY:
            raise _TooBig(texts.E_TOO_BIG.format(limit=MAX_BODY))
        chunks.append(chunk)
    try:
        pairs = parse_qsl(b"".join(chunks).decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise BadRequest(texts.E_BODY) from None
    if any(unstorable(name) or unstorable(value) for name, value in pairs):
        raise BadRequest(texts.E_CHARACTERS)
    form: dict[str, str] = {}
    for name, value in pairs:
        form.setdefault(name, value)  # the first of repeated fields
    if "api_key" not in form and "api_key" in request.query:
        form["api_key"] = request.query["api_key"]
    params.check_form(form)
    return form


@document("service_requests")
async def create(request: web.Request) -> Any:
    form = await _form(request)
    return [await submit.create_request(request.app[keys.KV_STORE], form)]


async def not_found(request: web.Request) -> web.Response:
    """Any other path under the prefix: the spec's 404 (XML, or JSON for a .json path)."""
    fmt = JSON if request.path.endswith(".json") else XML
    return _error(fmt, 404, texts.E_NOT_FOUND.format(path=request.path))


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(f"{PREFIX}/discovery.{FMT}", discovery)
    r.add_get(f"{PREFIX}/services.{FMT}", service_list)
    r.add_get(f"{PREFIX}/services/{{code:{ID}}}.{FMT}", service_definition)
    r.add_get(f"{PREFIX}/requests.{FMT}", request_list)
    r.add_post(f"{PREFIX}/requests.{FMT}", create)
    r.add_get(f"{PREFIX}/requests/{{id:{ID}}}.{FMT}", one_request)
    r.add_get(f"{PREFIX}/tokens/{{token:{ID}}}.{FMT}", token)
    r.add_route("*", f"{PREFIX}/{{tail:.*}}", not_found)  # last: only what nothing else took
