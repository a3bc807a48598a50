"""``GET /privacy/export/{token}``: 我的数据's one-time download link.

The token was issued in chat (``handlers.privacy.service.issue_link``; only its SHA-256 is in
Redis, for 24 h) and works once. The answer is the person's whole export as JSON, never
cached by anything on the way.
"""

from __future__ import annotations

import json

from aiohttp import web

from bot import keys
from handlers.privacy import queries, service
from handlers.privacy.flows import DOWNLOAD_PATH

PATH = DOWNLOAD_PATH
NO_STORE = {"Cache-Control": "no-store, private, max-age=0", "Pragma": "no-cache",
            "Expires": "0", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer"}


async def download(request: web.Request) -> web.Response:
    kv = request.app[keys.KV_STORE]
    openid = await service.redeem_link(kv, request.match_info["token"])
    if openid is None:
        return web.Response(status=404, text="link expired or already used", headers=NO_STORE)
    found = await queries.export(openid, kv)
    body = json.dumps(found.as_json(), ensure_ascii=False, indent=1)
    headers = {**NO_STORE, "Content-Disposition": 'attachment; filename="linli-data.json"'}
    return web.Response(text=body, content_type="application/json", headers=headers)


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, download)
