"""``/wechat``: the callback WeChat calls for every message and event.

GET answers WeChat's URL verification; POST takes plaintext, compatible and secure (AES)
mode messages. Transport only: verify, decrypt, translate, hand to the pipeline, render.
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from aiohttp import web

from bot import identity, keys, logs, metrics, requests
from bot.signing import DecryptError, SignatureError, check, check_nonce, check_timestamp
from bot.translate import BadLocation, render_text, to_inbound
from bot.xmlsafe import BadXml, parse_fields
from handlers import texts
from handlers.inbound import Inbound, Kind
from handlers.pipeline import Result

MAX_BODY = 64 * 1024
_ECHOSTR = re.compile(r"[A-Za-z0-9_-]{1,128}")  # WeChat's is a string of digits
log = logging.getLogger(__name__)
# Events that do not open WeChat's 48 h customer-service window (the person wrote nothing).
NO_WINDOW = frozenset({Kind.SUBSCRIBE_MSG_POPUP, Kind.SUBSCRIBE_MSG_CHANGE,
                       Kind.SUBSCRIBE_MSG_SENT})


_children: dict[tuple[int, str], object] = {}


def _child(metric, kind: str):
    """``metric.labels(kind)``, looked up once per kind (labels() costs more than the count)."""
    key = (id(metric), kind)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(kind)
    return child


def _plain(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/plain")


def _verify(request: web.Request) -> None:
    settings = request.app[keys.SETTINGS]
    q = request.query
    check_timestamp(q.get("timestamp", ""), settings.wechat_timestamp_skew)
    check_nonce(q.get("nonce", ""))
    check(q.get("signature", ""), settings.wechat_token, q.get("timestamp", ""),
          q.get("nonce", ""))


async def verify_url(request: web.Request) -> web.Response:
    try:
        _verify(request)
    except SignatureError:
        return _plain("invalid signature", 403)
    echostr = request.query.get("echostr", "")
    if not _ECHOSTR.fullmatch(echostr):
        return _plain("invalid echostr", 400)
    return _plain(echostr)


async def _read_body(request: web.Request) -> bytes | None:
    if request.content_length is not None and request.content_length > MAX_BODY:
        return None
    # read(n) returns what has arrived, up to n bytes: keep reading until the end.
    body = bytearray()
    while chunk := await request.content.read(MAX_BODY + 1 - len(body)):
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return bytes(body)


async def receive(request: web.Request) -> web.Response:
    started = time.perf_counter()  # the request id and access log: bot.requests
    body = await _read_body(request)
    if body is None:
        return _plain("request body too large", 413)
    try:
        _verify(request)
    except SignatureError as exc:
        log.warning("refused callback: %s", exc)
        return _plain("invalid signature", 403)
    aes = request.query.get("encrypt_type", "raw") == "aes"
    opened = _open(request, body, aes)
    if isinstance(opened, web.Response):
        return opened
    inbound, fields, key_index = opened

    logs.about(inbound.openid)
    _child(metrics.MESSAGES, inbound.kind.value).inc()
    if inbound.kind not in NO_WINDOW:
        for observer in request.app[keys.INBOUND_OBSERVERS]:
            observer(inbound.openid)
    inbound = await identity.as_person(request.app, inbound)  # the reply goes to `fields`
    result = await request.app[keys.PIPELINE].handle(inbound)
    _observe(request, inbound, result, time.perf_counter() - started)
    if not result.reply:
        return _plain("success")
    return _reply(request, result.reply, fields, aes, key_index)


def _open(request: web.Request, body: bytes,
          aes: bool) -> tuple[Inbound, dict[str, str], int] | web.Response:
    """The message in a callback body (decrypted when ``aes``), with its fields and the AES
    key that opened it; or the response that refuses it."""
    q = request.query
    key_index = 0
    try:
        fields = parse_fields(body)
        if aes:
            crypto = request.app[keys.CRYPTO]
            if crypto is None:
                return _plain("encrypted message but no EncodingAESKey configured", 400)
            if not fields.get("Encrypt"):
                return _plain("Encrypt element missing", 400)
            xml, key_index = crypto.decrypt(fields["Encrypt"], q.get("msg_signature", ""),
                                            q.get("timestamp", ""), q.get("nonce", ""))
            fields = parse_fields(xml)
        return to_inbound(fields), fields, key_index
    except SignatureError:
        return _plain("invalid msg_signature", 403)
    except BadLocation as exc:  # the sender checked: tell them, store nothing
        logs.about(fields["FromUserName"])
        log.info("refused callback: %s", exc)
        if not exc.answer:
            return _plain("success")
        return _reply(request, texts.BAD_LOCATION, fields, aes, key_index)
    except (BadXml, DecryptError) as exc:
        log.warning("malformed callback: %s", exc)
        return _plain("malformed message", 400)


def _observe(request: web.Request, inbound: Inbound, result: Result, elapsed: float) -> None:
    if result.repeat:
        metrics.DEDUP_HITS.labels("redis").inc()
    if result.late:
        metrics.DEADLINE_FALLBACKS.inc()
    _child(metrics.HANDLING_SECONDS, inbound.kind.value).observe(elapsed)
    # One line per callback: the access log's, with what the message was and how it went.
    requests.annotate(request, kind=inbound.kind.value, repeat=result.repeat, late=result.late)


def _reply(request: web.Request, text: str, fields: dict[str, str], aes: bool,
           key_index: int) -> web.Response:
    reply = render_text(text, fields)
    if aes:
        reply = request.app[keys.CRYPTO].encrypt(
            reply, request.query.get("nonce", "") or secrets.token_hex(5),
            str(int(time.time())), key_index)
    return web.Response(text=reply, content_type="application/xml")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/wechat", verify_url)
    app.router.add_post("/wechat", receive)
