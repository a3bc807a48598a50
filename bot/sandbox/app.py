"""The sandbox app: WeChat's API paths with WeChat's semantics, plus one read-only helper route.

Routes are relative to the app's root, so it runs standalone (``base_url`` = server root) and
mounted with ``parent.add_subapp("/sandbox/wechat", create_sandbox_app(state))`` (``base_url`` =
``http://host:port/sandbox/wechat``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from functools import partial

from aiohttp import web

from bot import jsonsafe
from bot.sandbox import api_account, api_media, api_messages, api_token, api_users
from bot.sandbox.codes import SandboxFail, wx_error
from bot.sandbox.state import SandboxState

STATE_KEY = web.AppKey("sandbox_state", SandboxState)
MESSAGES_PATH = "/_sandbox/messages"
LOGIN_PATH = "/_sandbox/login"
# The relay's word that a person just wrote to the account (their 48 h customer-service window
# restarts): WeChat knows because it relays the message; a sandbox run as its own process
# (``linli sandbox``) is told by whoever plays the relay (``linli chat``).
INBOUND_PATH = "/_sandbox/inbound"
APPID_KEY = web.RequestKey("sandbox_appid", str)  # the AppID whose access_token the call carried  # plays the mini-program's wx.login(): a code for an openid
# Uploads of images up to WeChat's 10 MB limit must reach the handler.
CLIENT_MAX_SIZE = 12 * 1024 * 1024

Handler = Callable[[web.Request, SandboxState], Awaitable[web.Response]]

# (method, WeChat path, handler, needs an access_token, error Content-Type)
ROUTES: list[tuple[str, str, Handler, bool, str]] = [
    ("POST", "/cgi-bin/stable_token", api_token.stable_token, False, "application/json"),
    ("GET", "/sns/jscode2session", api_token.jscode2session, False, "text/plain"),
    ("POST", api_messages.CUSTOM_SEND, api_messages.custom_send, True, "application/json"),
    ("POST", api_messages.TEMPLATE_SEND, api_messages.template_send, True, "application/json"),
    ("POST", api_messages.SUBSCRIBE_SEND, api_messages.subscribe_send, True, "application/json"),
    ("POST", api_messages.BIZSEND, api_messages.bizsend, True, "application/json"),
    ("POST", "/cgi-bin/media/upload", api_media.upload, True, "application/json"),
    ("GET", "/cgi-bin/media/get", api_media.get, True, "text/plain"),
    ("GET", api_users.USER_INFO, api_users.user_info, True, "application/json"),
    ("POST", "/cgi-bin/menu/create", api_account.menu_create, True, "application/json"),
    ("GET", "/cgi-bin/menu/get", api_account.menu_get, True, "application/json"),
    ("POST", "/cgi-bin/qrcode/create", api_account.qrcode_create, True, "application/json"),
    # On mp.weixin.qq.com at WeChat; needs no access_token (the ticket is the secret).
    ("GET", "/cgi-bin/showqrcode", api_account.showqrcode, False, "application/json"),
]


def create_sandbox_app(state: SandboxState) -> web.Application:
    """An app answering like api.weixin.qq.com, backed by ``state``."""
    app = web.Application(client_max_size=CLIENT_MAX_SIZE)
    app[STATE_KEY] = state
    for method, path, handler, authed, error_type in ROUTES:
        app.router.add_route(method, path, _wechat(path, handler, authed, error_type))
    app.router.add_get(MESSAGES_PATH, _messages)
    app.router.add_post(LOGIN_PATH, _login)
    app.router.add_post(api_users.UNIONID_PATH, api_users.steer_unionid)
    app.router.add_post(INBOUND_PATH, _inbound)
    return app


def _wechat(
    path: str, handler: Handler, authed: bool, error_type: str
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Wrap a handler with what every WeChat call gets: counting, latency, injected failures,
    the access_token check and WeChat's error body."""

    async def endpoint(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE_KEY]
        state.calls[path] += 1
        if state.latency:
            await asyncio.sleep(state.latency)
        try:
            injected = state.take_failure(path)
            if injected is not None:
                raise SandboxFail(injected)
            if authed:  # which app called: request[APPID_KEY]
                request[APPID_KEY] = state.check_token(request.query.get("access_token"))
            return await handler(request, state)
        except SandboxFail as fail:
            return wx_error(fail.code, error_type)

    return endpoint


async def _messages(request: web.Request) -> web.Response:
    """GET ?openid=X[&since=N]: messages delivered to X after sequence number N.

    ``last`` is the cursor to pass as ``since`` next time.
    """
    state = request.app[STATE_KEY]
    openid = request.query.get("openid")
    if not openid:
        raise web.HTTPBadRequest(text="openid is required")
    try:
        since = max(0, int(request.query.get("since", "0")))
    except ValueError:
        raise web.HTTPBadRequest(text="since must be a whole number") from None
    items = [{**m, "time": m["time"].isoformat()} for m in state.messages_for(openid, since)]
    return web.json_response(
        {"messages": items, "last": len(state.sent)}, dumps=partial(json.dumps, ensure_ascii=False)
    )


async def _login(request: web.Request) -> web.Response:
    """POST {"openid": X[, "unionid": U]}: what ``wx.login()`` gives the mini-program for X,
    a code to send to ``/api/v1/auth/login`` (works once, for 5 minutes)."""
    try:
        doc = jsonsafe.loads(await request.read())
        openid = str(doc["openid"]).strip()
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text='body must be {"openid": "..."}') from None
    if not 1 <= len(openid) <= 64:
        raise web.HTTPBadRequest(text="openid must be 1-64 characters")
    unionid = doc.get("unionid")
    code = request.app[STATE_KEY].issue_login_code(openid, str(unionid) if unionid else None)
    return web.json_response({"code": code})


async def _inbound(request: web.Request) -> web.Response:
    """POST {"openid": X}: X just messaged the Official Account (as WeChat sees each message
    it relays): their customer-service window restarts."""
    try:
        openid = str(jsonsafe.loads(await request.read())["openid"]).strip()
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text='body must be {"openid": "..."}') from None
    if not 1 <= len(openid) <= 64:
        raise web.HTTPBadRequest(text="openid must be 1-64 characters")
    request.app[STATE_KEY].observe_inbound(openid)
    return web.json_response({"ok": True})
