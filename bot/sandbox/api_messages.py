"""Outbound messages: customer-service, template and subscribe, with WeChat's refusals.

Which app may call what: template messages and subscription notices (``bizsend``) are the
Official Account's; ``subscribe/send`` is the mini-program's (when it is its own app); both
have customer-service messages. Another app's access_token gets 48001 "api unauthorized".
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.sandbox import app as sandbox_app
from bot.sandbox.api_token import read_body
from bot.sandbox.codes import SandboxFail, wx_ok
from bot.sandbox.state import SandboxState
from storage import clock

CUSTOM_SEND = "/cgi-bin/message/custom/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"
SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"
BIZSEND = "/cgi-bin/message/subscribe/bizsend"
CS_WINDOW = timedelta(hours=48)
# Characters a subscribe value may have, by the type its key names (thing1 -> thing).
# Kept apart from bot.wechat.values on purpose: the fake checks on its own.
VALUE_LIMITS = {"thing": 20, "name": 10, "phrase": 5, "symbol": 5, "character_string": 32,
                "number": 32, "letter": 32, "amount": 11, "phone_number": 17, "car_number": 8,
                "time": 32, "date": 32, "const": 20}
TEMPLATE_VALUE_LIMIT = 20  # template messages since 2023
_KEY_TYPE = re.compile(r"([a-z_]+?)\d*")


def _touser(body: dict[str, Any]) -> str:
    openid = body.get("touser")
    if not isinstance(openid, str) or not openid:
        raise SandboxFail(40003)
    return openid


def _check_data(data: object) -> dict[str, str]:
    """Template/subscribe data must be {"key": {"value": "..."}, ...}; returns key -> value."""
    if not data or not isinstance(data, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("value"), str) for v in data.values()
    ):
        raise SandboxFail(47001)
    return {str(k): v["value"] for k, v in data.items()}


def _value_limit(key: str) -> int:
    match = _KEY_TYPE.fullmatch(key)
    return VALUE_LIMITS.get(match.group(1) if match else key, 20)


def _check_subscribe_values(values: dict[str, str]) -> None:
    """Each value within its type's limit, not empty (47003 argument invalid)."""
    for key, value in values.items():
        if not value.strip() or len(value) > _value_limit(key):
            raise SandboxFail(47003)


def _check_template_data(data: object) -> None:
    """The 2023 rules: no first/remark, no colours, every value <= 20 characters on one line."""
    values = _check_data(data)
    assert isinstance(data, dict)
    for key, value in values.items():
        if key.lower() in ("first", "remark") or "color" in data[key]:
            raise SandboxFail(47003)
        if len(value) > TEMPLATE_VALUE_LIMIT or "\n" in value or "\r" in value:
            raise SandboxFail(47003)


def _caller(request: web.Request) -> str:
    return request[sandbox_app.APPID_KEY]


def _official_account_only(request: web.Request, state: SandboxState) -> None:
    if _caller(request) != state.appid:
        raise SandboxFail(48001)


def _check_content(state: SandboxState, body: dict[str, Any]) -> None:
    kind = body.get("msgtype")
    if kind == "text":
        if not str((body.get("text") or {}).get("content") or "").strip():
            raise SandboxFail(44004)
    elif kind == "image":  # an uploaded image younger than 3 days, as WeChat checks
        media = state.live_media((body.get("image") or {}).get("media_id"))
        if media is None or media.kind != "image":
            raise SandboxFail(40007)
    else:
        raise SandboxFail(47001)


async def custom_send(request: web.Request, state: SandboxState) -> web.Response:
    """Customer-service message: within 48 h of their last message, ``cs_limit`` at most."""
    body = await read_body(request)
    openid = _touser(body)
    _check_content(state, body)
    last = state.inbound.get(openid)
    if openid in state.unfollowed or last is None or clock.now() - last > CS_WINDOW:
        raise SandboxFail(45015)
    if state.cs_sent[openid] >= state.cs_limit:
        raise SandboxFail(45047)
    state.cs_sent[openid] += 1
    state.record(CUSTOM_SEND, openid, body)
    return wx_ok()


async def template_send(request: web.Request, state: SandboxState) -> web.Response:
    """Template message: a known template, data by the 2023 rules, to a follower; returns
    msgid."""
    body = await read_body(request)
    _official_account_only(request, state)
    openid = _touser(body)
    if body.get("template_id") not in state.templates:
        raise SandboxFail(40037)
    if "topcolor" in body:
        raise SandboxFail(47003)
    _check_template_data(body.get("data"))
    if openid in state.unfollowed:
        raise SandboxFail(43004)
    msgid = state.next_msgid()
    state.record(TEMPLATE_SEND, openid, body)
    return wx_ok(msgid=msgid)


async def subscribe_send(request: web.Request, state: SandboxState) -> web.Response:
    """The mini-program's subscribe message: uses one of the person's one-time grants for the
    template (a long-term one is not used up). Only the mini-program's token when it is its
    own app."""
    body = await read_body(request)
    if len(state.apps) > 1 and _caller(request) == state.appid:
        raise SandboxFail(48001)
    openid = _touser(body)
    template_id = body.get("template_id")
    if not isinstance(template_id, str) or not template_id:
        raise SandboxFail(40037)
    _check_subscribe_values(_check_data(body.get("data")))
    if not state.use_grant(openid, template_id):
        raise SandboxFail(43101)
    msgid = state.next_msgid()
    state.record(SUBSCRIBE_SEND, openid, body)
    return wx_ok(msgid=msgid)


async def bizsend(request: web.Request, state: SandboxState) -> web.Response:
    """The Official Account's subscription notice (订阅通知): one per opt-in unless the grant
    is long-term; 43101 when the person refused, used it up, or no longer follows."""
    body = await read_body(request)
    _official_account_only(request, state)
    openid = _touser(body)
    template_id = body.get("template_id")
    if not isinstance(template_id, str) or template_id not in state.subscribe_templates:
        raise SandboxFail(40037)
    _check_subscribe_values(_check_data(body.get("data")))
    page = body.get("page")
    if page is not None and not (isinstance(page, str) and page.startswith(("http://",
                                                                           "https://"))):
        raise SandboxFail(47003)
    if openid in state.unfollowed or not state.use_grant(openid, template_id):
        raise SandboxFail(43101)
    msgid = state.next_msgid()
    state.record(BIZSEND, openid, body)
    return wx_ok(msgid=msgid)
