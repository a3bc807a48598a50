"""The web chat simulator ``/sandbox/chat``: phone-shaped WeChat chats in the browser.

Served only beside the built-in sandbox (``bot.app`` mounts it when ``Settings.sandbox``), on
loopback unless LINLI_SANDBOX_PUBLIC=1: it lets anyone act as anyone. A message typed in the
page is turned into callback XML, signed and posted to the service's own ``/wechat`` by the
same functions as ``linli chat`` (``bot.simulator``); photos are uploaded to the sandbox first,
as a phone does. What the service pushes is read from the sandbox's record of what it sent.

Routes (all JSON but the page; POSTs carry the header ``X-Linli-Chat: 1``, which a page of
another site cannot send without a CORS preflight nobody answers):

- ``GET  /sandbox/chat``                   the page (two phones)
- ``GET  /sandbox/chat/setup``             demo people, the account's menu (as pushed, else the
                                           shipped bot/wechat/menu.json), buildings (QR codes)
- ``GET  /sandbox/chat/map``               every grid as GeoJSON (the map a place is picked on)
- ``POST /sandbox/chat/send``              {openid, kind: text|click|follow|location, ...}
- ``POST /sandbox/chat/photo``             multipart: openid, photo
- ``GET  /sandbox/chat/messages``          ?openid=X[&since=N]: pushes to X after cursor N
- ``GET  /sandbox/chat/media/{media_id}``  an image the service sent
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import web

from bot import callbacks, keys, simulator
from bot.app import SANDBOX_PATH
from bot.config import is_loopback
from bot.sandbox.api_messages import BIZSEND, CUSTOM_SEND, SUBSCRIBE_SEND, TEMPLATE_SEND
from bot.sandbox.chat import texts as t
from bot.sandbox.state import SandboxState
from bot.wechat import menu as menus
from bot.wechat.errors import WeChatError
from handlers.reports import mapdata
from storage.core.models import Person
from storage.geo.models import Building

PREFIX = "/sandbox/chat"
STATIC = Path(__file__).parent / "static"
HEADER = "X-Linli-Chat"
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")
MAX_BUILDINGS = 500
MAX_TEXT = 2000

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_routes(app: web.Application) -> None:
    """Mount the simulator on ``app`` (which holds the sandbox state under ``keys.SANDBOX``)."""
    for method, path, handler in (
        ("GET", "", page), ("GET", "/", page), ("GET", "/setup", setup), ("GET", "/map", grid_map),
        ("POST", "/send", send), ("POST", "/photo", photo), ("GET", "/messages", messages),
        ("GET", "/media/{media_id}", media),
    ):
        app.router.add_route(method, PREFIX + path, _guarded(handler))
    app.router.add_static(PREFIX + "/static", STATIC)


def _guarded(handler: Handler) -> Handler:
    """Loopback callers only (unless LINLI_SANDBOX_PUBLIC=1), POSTs from our own page only,
    and the headers every page of linli gets."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        settings = request.app[keys.SETTINGS]
        if not settings.sandbox_public and not is_loopback(request.remote or ""):
            raise web.HTTPNotFound
        if request.method == "POST" and request.headers.get(HEADER) != "1":
            raise web.HTTPForbidden(text=f"POST needs the {HEADER} header")
        response = await handler(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return wrapped


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=partial(json.dumps, ensure_ascii=False))


def _state(request: web.Request) -> SandboxState:
    state = request.app[keys.SANDBOX]
    assert isinstance(state, SandboxState)
    return state


def _own_url(request: web.Request) -> str:
    """The service as the sandbox reaches it (``linli serve`` passes its loopback URL)."""
    return request.app[keys.API_BASE].removesuffix(SANDBOX_PATH)


def _openid(value: object) -> str:
    openid = str(value or "").strip()
    if not 1 <= len(openid) <= 64 or any(c.isspace() or c in "<>&]" for c in openid):
        raise web.HTTPBadRequest(text="openid must be 1-64 characters without spaces")
    return openid


async def page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "chat.html")


async def setup(request: web.Request) -> web.StreamResponse:
    openids = [openid for openid, _ in t.PEOPLE]
    names = dict(await Person.filter(openid__in=openids).values_list("openid", "name"))
    buildings = await Building.all().order_by("code").limit(MAX_BUILDINGS).values("code", "name")
    return _json({
        "account": t.ACCOUNT,
        "people": [{"openid": openid, "name": names.get(openid) or "", "label": label}
                   for openid, label in t.PEOPLE],
        "menu": menu_groups(_state(request)),
        "buildings": buildings,
    })


def menu_groups(state: SandboxState) -> list[dict[str, Any]]:
    """The menu as pushed (``linli wechat menu push``), else the one linli ships: its click
    buttons, grouped as on the phone."""
    menu = state.menu or menus.load()
    return [{"name": button.get("name"),
             "items": [{"name": item.get("name"), "key": item.get("key")}
                       for item in button.get("sub_button") or [button]
                       if item.get("type") == "click"]}
            for button in menu.get("button", [])]


async def grid_map(request: web.Request) -> web.StreamResponse:
    return _json({"grids": await mapdata.district_layer()})


def _text(openid: str, doc: dict) -> str:
    text = str(doc.get("text") or "").strip()[:MAX_TEXT]
    if not text:
        raise web.HTTPBadRequest(text="text is empty")
    return simulator.callback_for(openid, text)


def _click(openid: str, doc: dict) -> str:
    key = str(doc.get("key") or "").strip()
    if not key.isascii() or not key.replace("_", "").isalnum():
        raise web.HTTPBadRequest(text="key must be a menu key such as REPORT")
    return simulator.callback_for(openid, f"/click {key}")


def _follow(openid: str, doc: dict) -> str:
    scene = str(doc.get("scene") or "").strip()
    if len(scene) > 64 or any(c.isspace() or c in "<>&]" for c in scene):
        raise web.HTTPBadRequest(text="scene must be a building code such as B12-3")
    return simulator.callback_for(openid, f"/follow {scene}")


def _location(openid: str, doc: dict) -> str:
    try:
        lat, lng = float(doc["lat"]), float(doc["lng"])
    except (KeyError, TypeError, ValueError):
        raise web.HTTPBadRequest(text="lat and lng must be numbers") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise web.HTTPBadRequest(text="lat and lng out of range")
    label = str(doc.get("label") or "")[:100]
    return callbacks.location(openid, round(lat, 6), round(lng, 6), label)


BUILDERS: dict[str, Callable[[str, dict], str]] = {
    "text": _text, "click": _click, "follow": _follow, "location": _location,
}


async def _post(request: web.Request, openid: str, xml: str) -> str | None:
    settings = request.app[keys.SETTINGS]
    return await simulator.post_callback(request.app[keys.HTTP], _own_url(request), settings,
                                         openid, xml, aes=bool(settings.wechat_aes_key))


async def send(request: web.Request) -> web.StreamResponse:
    """A text, a menu click, a follow (a building's QR code) or a location: the passive reply."""
    try:
        doc = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text=t.BAD_REQUEST) from None
    if not isinstance(doc, dict) or doc.get("kind") not in BUILDERS:
        raise web.HTTPBadRequest(text="kind must be one of " + ", ".join(BUILDERS))
    openid = _openid(doc.get("openid"))
    xml = BUILDERS[doc["kind"]](openid, doc)
    return _json({"reply": await _post(request, openid, xml)})


async def photo(request: web.Request) -> web.StreamResponse:
    """A photo: uploaded to the sandbox as the phone would, then sent; the passive reply."""
    form = await request.post()
    openid = _openid(form.get("openid"))
    field = form.get("photo")
    if not isinstance(field, web.FileField):
        return _json({"error": t.NOT_AN_IMAGE}, status=400)
    content = field.file.read()
    sandbox_url = _own_url(request) + SANDBOX_PATH
    try:
        media_id = await simulator.upload_photo(request.app[keys.HTTP], sandbox_url,
                                                request.app[keys.SETTINGS],
                                                field.filename or "photo.jpg", content)
    except WeChatError as exc:  # 40005 not an image, 40009 too big
        return _json({"error": t.UPLOAD_REFUSED.format(error=exc.code)}, status=400)
    reply = await _post(request, openid, callbacks.image(openid, media_id))
    return _json({"reply": reply})


async def messages(request: web.Request) -> web.StreamResponse:
    """What the service pushed to ``openid`` after cursor ``since`` (without ``since``: none,
    only the cursor to start from), and ``last``, the cursor to pass next time."""
    state = _state(request)
    openid = _openid(request.query.get("openid"))
    last = len(state.sent)
    if "since" not in request.query:
        return _json({"messages": [], "last": last})
    try:
        since = max(0, int(request.query["since"]))
    except ValueError:
        raise web.HTTPBadRequest(text="since must be a whole number") from None
    items = [view(m) for m in state.messages_for(openid, since)]
    return _json({"messages": items, "last": last})


async def media(request: web.Request) -> web.StreamResponse:
    found = _state(request).live_media(request.match_info["media_id"])
    if found is None:
        raise web.HTTPNotFound
    return web.Response(body=found.content, content_type=found.content_type)


def _fields(data: dict, skip: tuple[str, ...]) -> list[list[str]]:
    return [[t.FIELD_NAMES.get(k, k), str((v or {}).get("value", ""))]
            for k, v in data.items() if k not in skip]


def view(message: dict) -> dict[str, Any]:
    """A delivered message as the phone shows it: a bubble (text or image) or a card."""
    payload = message.get("payload") or {}
    base = {"seq": message["seq"], "time": message["time"].isoformat()}
    endpoint = message.get("endpoint")
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    if endpoint == TEMPLATE_SEND:
        return {**base, "kind": "template", "label": t.KIND_NAMES["template"],
                "title": t.TEMPLATE_TITLE,
                "first": str((data.get("first") or {}).get("value", "")),
                "fields": _fields(data, ("first", "remark")),
                "remark": str((data.get("remark") or {}).get("value", "")),
                "url": str(payload.get("url") or "")}
    if endpoint in (SUBSCRIBE_SEND, BIZSEND):  # the mini-program's, the account's
        return {**base, "kind": "subscribe", "label": t.KIND_NAMES["subscribe"],
                "title": t.SUBSCRIBE_TITLE, "fields": _fields(data, ()),
                "page": str(payload.get("page") or "")}
    if endpoint == CUSTOM_SEND and payload.get("msgtype") == "image":
        media_id = str((payload.get("image") or {}).get("media_id") or "")
        return {**base, "kind": "image", "label": t.KIND_NAMES["image"],
                "image": f"{PREFIX}/media/{media_id}"}
    text = (payload.get("text") or {}).get("content") if isinstance(payload, dict) else None
    return {**base, "kind": "text", "label": t.KIND_NAMES["text"],
            "text": str(text or json.dumps(payload, ensure_ascii=False))}
