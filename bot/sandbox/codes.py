"""WeChat's errcodes and errmsg texts as its servers send them, and how errors leave the sandbox.

Kept apart from ``bot.wechat.errors`` on purpose: the sandbox speaks WeChat's protocol on its
own, so a mistake in the client cannot hide behind the same mistake in the fake.
"""

from __future__ import annotations

import json
import secrets

from aiohttp import web

ERRMSG: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40004: "invalid media type",
    40005: "invalid file type",
    40007: "invalid media_id",
    40009: "invalid image size",
    40013: "invalid appid",
    40014: "invalid access_token",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40023: "invalid sub button size",
    40024: "invalid sub button type",
    40025: "invalid sub button name size",
    40026: "invalid sub button key size",
    40027: "invalid sub button url size",
    40029: "invalid code",
    40033: "invalid charset. please check your request, if include \\uxxxx will create fail!",
    40037: "invalid template_id",
    40053: "invalid action info, please check document",
    40097: "invalid args",
    40125: "invalid appsecret",
    40163: "code been used",
    40165: "invalid weapp pagepath",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41005: "media data missing",
    41008: "missing code",
    42001: "access_token expired",
    43004: "require subscribe",
    43101: "user refuse to accept the msg",
    44002: "empty post data",
    44004: "empty content",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    45015: "response out of time limit or subscription is canceled",
    45029: "qrcode count out of limit",
    46003: "menu no exist",
    45047: "out of response count limit",
    47001: "data format error",
    47003: "argument invalid!",
    48001: "api unauthorized",
}


class SandboxFail(Exception):
    """Raised by a sandbox handler: answer with WeChat's error body for ``code``."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def errmsg(code: int) -> str:
    """WeChat's text for ``code`` followed by a request id, as the real servers add one."""
    rid = "-".join(secrets.token_hex(4) for _ in range(3))
    return f"{ERRMSG.get(code, 'unknown error')} rid: {rid}"


def wx_json(data: dict[str, object], content_type: str = "application/json") -> web.Response:
    """A JSON answer in UTF-8 with Chinese kept as is (WeChat never escapes it)."""
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return web.Response(body=body, content_type=content_type, charset="utf-8")


def wx_error(code: int, content_type: str = "application/json") -> web.Response:
    """WeChat's error body: HTTP 200 with errcode and errmsg."""
    return wx_json({"errcode": code, "errmsg": errmsg(code)}, content_type)


def wx_ok(**extra: object) -> web.Response:
    return wx_json({"errcode": 0, "errmsg": "ok", **extra})
