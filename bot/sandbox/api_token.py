"""Credentials: ``/cgi-bin/stable_token`` and the mini-program ``/sns/jscode2session``."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot import jsonsafe
from bot.sandbox.codes import SandboxFail, wx_json
from bot.sandbox.state import SandboxState
from storage import clock

LOGIN_CODE_LIFETIME = timedelta(minutes=5)
LOGIN_LIMIT_WINDOW = timedelta(minutes=1)  # ``state.login_limit`` counts calls per minute


async def read_body(request: web.Request) -> dict[str, Any]:
    """The JSON object posted to a WeChat endpoint: 44002 when empty, 47001 when malformed."""
    raw = await request.read()
    if not raw.strip():
        raise SandboxFail(44002)
    try:
        data = jsonsafe.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SandboxFail(47001) from None
    if not isinstance(data, dict):
        raise SandboxFail(47001)
    return data


def check_app(state: SandboxState, appid: object, secret: object) -> None:
    """AppID then AppSecret, with WeChat's codes for missing and wrong ones."""
    if not appid:
        raise SandboxFail(41002)
    if appid not in state.apps:
        raise SandboxFail(40013)
    if not secret:
        raise SandboxFail(41004)
    if secret != state.apps[str(appid)]:
        raise SandboxFail(40125)


async def stable_token(request: web.Request, state: SandboxState) -> web.Response:
    """POST {grant_type, appid, secret, force_refresh} -> {access_token, expires_in}."""
    body = await read_body(request)
    if body.get("grant_type") != "client_credential":
        raise SandboxFail(40002)
    check_app(state, body.get("appid"), body.get("secret"))
    force = body.get("force_refresh", False)
    if not isinstance(force, bool):
        raise SandboxFail(47001)
    token, expires_in = state.issue_token(force, str(body.get("appid")))
    return wx_json({"access_token": token, "expires_in": expires_in})


async def jscode2session(request: web.Request, state: SandboxState) -> web.Response:
    """GET ?appid&secret&js_code&grant_type=authorization_code -> openid, session_key.

    Like WeChat, answers with Content-Type text/plain (a JSON body nonetheless).
    """
    query = request.query
    check_app(state, query.get("appid"), query.get("secret"))
    if not state.count_login_call(LOGIN_LIMIT_WINDOW):
        raise SandboxFail(45011)
    code = query.get("js_code")
    if not code:
        raise SandboxFail(41008)
    if query.get("grant_type") != "authorization_code":
        raise SandboxFail(40002)
    login = state.login_codes.get(code)
    if login is None or clock.now() - login.issued_at > LOGIN_CODE_LIFETIME:
        raise SandboxFail(40029)
    if login.used:
        raise SandboxFail(40163)
    login.used = True
    answer = {"session_key": secrets.token_urlsafe(16), "openid": login.openid}
    unionid = login.unionid or state.unionid_of(str(query.get("appid")), login.openid)
    if unionid:
        answer["unionid"] = unionid
    return wx_json(answer, content_type="text/plain")
