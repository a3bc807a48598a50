"""Outbound messages: customer-service, template and subscribe, with WeChat's refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.sandbox.api_token import read_body
from bot.sandbox.codes import SandboxFail, wx_ok
from bot.sandbox.state import SandboxState
from storage import clock

CUSTOM_SEND = "/cgi-bin/message/custom/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"
SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"
CS_WINDOW = timedelta(hours=48)


def _touser(body: dict[str, Any]) -> str:
    openid = body.get("touser")
    if not isinstance(openid, str) or not openid:
        raise SandboxFail(40003)
    return openid


def _check_data(data: object) -> None:
    """Template/subscribe data must be {"key": {"value": "..."}, ...}."""
    if not isinstance(data, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("value"), str) for v in data.values()
    ):
        raise SandboxFail(47001)


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
    """Template message: a known template, to a follower; returns msgid."""
    body = await read_body(request)
    openid = _touser(body)
    if body.get("template_id") not in state.templates:
        raise SandboxFail(40037)
    _check_data(body.get("data"))
    if openid in state.unfollowed:
        raise SandboxFail(43004)
    msgid = state.next_msgid()
    state.record(TEMPLATE_SEND, openid, body)
    return wx_ok(msgid=msgid)


async def subscribe_send(request: web.Request, state: SandboxState) -> web.Response:
    """Subscribe message: uses one of the person's one-time grants for the template."""
    body = await read_body(request)
    openid = _touser(body)
    template_id = body.get("template_id")
    if not isinstance(template_id, str) or not template_id:
        raise SandboxFail(40037)
    _check_data(body.get("data"))
    if state.grants[openid, template_id] <= 0:
        raise SandboxFail(43101)
    state.grants[openid, template_id] -= 1
    msgid = state.next_msgid()
    state.record(SUBSCRIBE_SEND, openid, body)
    return wx_ok(msgid=msgid)
