"""The floor: the least a WeChat callback server can do, for the webhook benchmark to compare to.

An aiohttp app with one route, ``POST /wechat``, doing only what any Official Account backend
must: wechatpy's ``check_signature``, ``parse_message`` and an echo ``TextReply`` render, and in
secure (AES) mode wechatpy's ``WeChatCrypto.decrypt_message`` / ``encrypt_message``. No
storage, no dedup, no state, no logging, no metrics.

    .venv/bin/python -m benchmarks.floor_server --port 18081 [--aes-key KEY]
"""

from __future__ import annotations

import argparse

from aiohttp import web
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot import loops
from bot.config import SANDBOX_APPID, SANDBOX_TOKEN

TOKEN_KEY = web.AppKey("token", str)
CRYPTO_KEY = web.AppKey("crypto", object)


async def receive(request: web.Request) -> web.Response:
    q = request.query
    token = request.app[TOKEN_KEY]
    try:
        check_signature(token, q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", ""))
    except InvalidSignatureException:
        return web.Response(text="invalid signature", status=403)
    body = await request.read()
    aes = q.get("encrypt_type") == "aes"
    crypto = request.app[CRYPTO_KEY]
    if aes:
        try:
            body = crypto.decrypt_message(body, q.get("msg_signature", ""),
                                          q.get("timestamp", ""), q.get("nonce", ""))
        except InvalidSignatureException:
            return web.Response(text="invalid msg_signature", status=403)
    message = parse_message(body)
    reply = TextReply(content=getattr(message, "content", "") or "", message=message).render()
    if aes:
        reply = crypto.encrypt_message(reply, q.get("nonce", ""), q.get("timestamp", ""))
    return web.Response(text=reply, content_type="application/xml")


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def create_floor_app(token: str = SANDBOX_TOKEN, appid: str = SANDBOX_APPID,
                     aes_key: str | None = None) -> web.Application:
    app = web.Application()
    app[TOKEN_KEY] = token
    app[CRYPTO_KEY] = WeChatCrypto(token, aes_key, appid) if aes_key else None
    app.router.add_post("/wechat", receive)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="the floor server for benchmarks.webhook_bench")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18081)
    parser.add_argument("--token", default=SANDBOX_TOKEN)
    parser.add_argument("--appid", default=SANDBOX_APPID)
    parser.add_argument("--aes-key", default=None, help="the 43-character EncodingAESKey")
    parser.add_argument("--loop", choices=loops.CHOICES, default="asyncio",
                        help="the event loop (the benchmarks pass linli's, for fairness)")
    args = parser.parse_args()
    app = create_floor_app(args.token, args.appid, args.aes_key)
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None,
                loop=loops.new_loop(args.loop))


if __name__ == "__main__":
    main()
