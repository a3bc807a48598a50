"""Setting up the account: the custom menu (``menu/create``, ``menu/get``) and parametric QR
codes (``qrcode/create``, and ``showqrcode``, which WeChat serves from mp.weixin.qq.com).

The checks and error codes are WeChat's: at most 3 buttons (40016), 5 sub-buttons each (40023),
names of at most 16 bytes (40018) and 60 bytes below (40025), keys of at most 128 bytes
(40019 / 40026), URLs of at most 1024 bytes (40020 / 40027), a known type (40017 / 40024), and
Chinese sent as UTF-8, never as \\uXXXX escapes (40033). A QR scene string has 1-64 characters
(40053 otherwise); there are at most 100,000 permanent codes (45029).
"""

from __future__ import annotations

import base64
import io
import re
import secrets
from datetime import timedelta
from typing import Any

import segno
from aiohttp import web
from PIL import Image

from bot.sandbox.api_token import read_body
from bot.sandbox.codes import SandboxFail, wx_json, wx_ok
from bot.sandbox.state import QrCode, SandboxState
from storage import clock

BUTTON_TYPES = frozenset({
    "click", "view", "miniprogram", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
    "pic_photo_or_album", "pic_weixin", "location_select", "media_id", "article_id",
    "article_view_limited"})
KEYED = frozenset(BUTTON_TYPES - {"view", "miniprogram", "media_id", "article_id",
                                  "article_view_limited"})
MAX_BUTTONS, MAX_SUB_BUTTONS = 3, 5
MAX_NAME, MAX_SUB_NAME, MAX_KEY, MAX_URL = 16, 60, 128, 1024
# (top level, below): WeChat's codes for a wrong count, type, name, key and URL.
CODES = {"size": (40016, 40023), "type": (40017, 40024), "name": (40018, 40025),
         "key": (40019, 40026), "url": (40020, 40027)}
PERMANENT_LIMIT = 100_000
TEMPORARY_MAX = 2_592_000  # 30 days
QR_PIXELS = 430  # WeChat's showqrcode images are 430 x 430
_ESCAPED = re.compile(rb"\\u[0-9a-fA-F]{4}")


async def menu_create(request: web.Request, state: SandboxState) -> web.Response:
    """POST {"button": [...]} -> ok; the menu replaces the app's previous one."""
    if _ESCAPED.search(await request.read()):
        raise SandboxFail(40033)  # "invalid charset ... if include \\uxxxx will create fail!"
    body = await read_body(request)
    buttons = body.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise SandboxFail(40016)
    for button in buttons:
        _check_top(button)
    state.menus[request_appid(request, state)] = {"button": buttons}
    return wx_ok()


async def menu_get(request: web.Request, state: SandboxState) -> web.Response:
    """GET -> {"menu": {"button": [...]}}, or 46003 "menu no exist"."""
    menu = state.menus.get(request_appid(request, state))
    if menu is None:
        raise SandboxFail(46003)
    return wx_json({"menu": menu})


def request_appid(request: web.Request, state: SandboxState) -> str:
    from bot.sandbox.app import APPID_KEY  # the app module imports this one

    return request.get(APPID_KEY, state.appid)


def _check_top(button: Any) -> None:
    if not isinstance(button, dict):
        raise SandboxFail(47001)
    _check_name(button.get("name"), MAX_NAME, CODES["name"][0])
    subs = button.get("sub_button")
    if isinstance(subs, dict):  # the shape menu/get's "selfmenu_info" uses, not create's
        raise SandboxFail(40016)
    if subs:
        if not isinstance(subs, list) or len(subs) > MAX_SUB_BUTTONS:
            raise SandboxFail(40023)
        for sub in subs:
            if not isinstance(sub, dict):
                raise SandboxFail(47001)
            _check_name(sub.get("name"), MAX_SUB_NAME, CODES["name"][1])
            _check_action(sub, below=True)
        return
    _check_action(button, below=False)


def _check_name(name: Any, limit: int, code: int) -> None:
    if not isinstance(name, str) or not 1 <= len(name.encode("utf-8")) <= limit:
        raise SandboxFail(code)


def _check_action(button: dict[str, Any], below: bool) -> None:
    level = 1 if below else 0
    kind = button.get("type")
    if kind not in BUTTON_TYPES:
        raise SandboxFail(CODES["type"][level])
    if kind in KEYED:
        _check_text(button.get("key"), MAX_KEY, CODES["key"][level])
    if kind in ("view", "miniprogram"):
        _check_text(button.get("url"), MAX_URL, CODES["url"][level])
    if kind == "miniprogram":
        if not button.get("appid"):
            raise SandboxFail(41002)
        if not button.get("pagepath"):
            raise SandboxFail(40165)  # "invalid weapp pagepath"
    if kind in ("media_id", "article_id", "article_view_limited") and not (
            button.get("media_id") or button.get("article_id")):
        raise SandboxFail(40007)


def _check_text(value: Any, limit: int, code: int) -> None:
    if not isinstance(value, str) or not 1 <= len(value.encode("utf-8")) <= limit:
        raise SandboxFail(code)


async def qrcode_create(request: web.Request, state: SandboxState) -> web.Response:
    """POST {"action_name", "action_info": {"scene": {...}}[, "expire_seconds"]} ->
    {"ticket", "url"} (and "expire_seconds" for a temporary code)."""
    body = await read_body(request)
    action = body.get("action_name")
    if action not in ("QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"):
        raise SandboxFail(40097)  # "invalid args"
    scene = _scene(body, action)
    appid = request_appid(request, state)
    if action.startswith("QR_LIMIT"):
        return _answer(_permanent(state, appid, scene))
    expire = body.get("expire_seconds", 30)
    if not isinstance(expire, int) or isinstance(expire, bool) or expire < 1:
        raise SandboxFail(40097)
    expire = min(expire, TEMPORARY_MAX)
    code = _new_code(state, appid, scene, clock.now() + timedelta(seconds=expire))
    return _answer(code, expire)


def _scene(body: dict[str, Any], action: str) -> str:
    info = body.get("action_info")
    scene = info.get("scene") if isinstance(info, dict) else None
    if not isinstance(scene, dict):
        raise SandboxFail(40053)  # "invalid action info"
    if action.endswith("STR_SCENE"):
        value = scene.get("scene_str")
        if not isinstance(value, str) or not 1 <= len(value) <= 64:
            raise SandboxFail(40053)
        return value
    value = scene.get("scene_id")
    top = 100_000 if action == "QR_LIMIT_SCENE" else 2**32 - 1
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
        raise SandboxFail(40053)
    return str(value)


def _permanent(state: SandboxState, appid: str, scene: str) -> QrCode:
    """The same scene gives the same permanent code again (WeChat keeps one per scene)."""
    permanent = [c for c in state.qrcodes.values() if c.appid == appid and c.expires_at is None]
    for code in permanent:
        if code.scene == scene:
            return code
    if len(permanent) >= PERMANENT_LIMIT:
        raise SandboxFail(45029)  # "qrcode count out of limit"
    return _new_code(state, appid, scene, None)


def _new_code(state: SandboxState, appid: str, scene: str, expires_at: Any) -> QrCode:
    # Tickets are base64 (with + / =, so they must be quoted in showqrcode's query).
    ticket = "gQ" + base64.b64encode(secrets.token_bytes(54)).decode()
    url = "http://weixin.qq.com/q/02" + secrets.token_urlsafe(16)
    code = QrCode(appid, scene, ticket, url, expires_at)
    state.qrcodes[ticket] = code
    return code


def _answer(code: QrCode, expire: int | None = None) -> web.Response:
    answer: dict[str, Any] = {"ticket": code.ticket, "url": code.url}
    if expire is not None:
        answer["expire_seconds"] = expire
    return wx_json(answer)


async def showqrcode(request: web.Request, state: SandboxState) -> web.Response:
    """GET ?ticket=T -> the code as a JPEG (Content-Type image/jpg, as WeChat sends it);
    HTTP 404 for an unknown or expired ticket."""
    code = state.qrcodes.get(request.query.get("ticket", ""))
    if code is None or (code.expires_at is not None and code.expires_at <= clock.now()):
        raise web.HTTPNotFound
    return web.Response(body=qr_jpeg(code.url), content_type="image/jpg")


def qr_jpeg(content: str) -> bytes:
    """A scannable QR code of ``content``, about 430 pixels square, as JPEG."""
    qr = segno.make(content, error="m", micro=False)
    width = qr.symbol_size(scale=1, border=4)[0]
    png = io.BytesIO()
    qr.save(png, kind="png", scale=max(1, QR_PIXELS // width), border=4)
    out = io.BytesIO()
    Image.open(io.BytesIO(png.getvalue())).convert("L").save(out, format="JPEG", quality=90)
    return out.getvalue()
