"""Official Account openids -> person keys at the webhook (two-app mode only).

When the mini-program is its own app, a message's FromUserName is translated to the person
key (``handlers.identity.resolve.oa_key``) before the pipeline sees it, so chat and the
mini-program work on the same records. The passive reply still goes to FromUserName (the
webhook renders it from the callback's own fields). Asking WeChat for a UnionID has
``USER_INFO_TIMEOUT`` seconds: the reply's 5 s budget comes first, a late answer is asked
again on a later message.
"""

from __future__ import annotations

import asyncio
import dataclasses

from aiohttp import web

from bot import keys
from bot.wechat.client import WeChatClient
from bot.wechat.errors import WeChatError
from handlers.identity.resolve import LookupFailed, oa_key
from handlers.inbound import Inbound, Kind

USER_INFO_TIMEOUT = 1.5


async def as_person(app: web.Application, inbound: Inbound) -> Inbound:
    """``inbound`` keyed by the person its sender is (unchanged in single-app mode)."""
    if not app[keys.SETTINGS].separate_miniapp:
        return inbound
    wechat = app[keys.WECHAT]

    async def ask(openid: str) -> str | None:
        return await ask_unionid(wechat, openid)

    key = await oa_key(app[keys.KV_STORE], inbound.openid, ask,
                       fresh=inbound.kind == Kind.SUBSCRIBE)
    if key == inbound.openid:
        return inbound
    return dataclasses.replace(inbound, openid=key,
                               dedup_key=inbound.dedup_key.replace(inbound.openid, key))


async def ask_unionid(wechat: WeChatClient, openid: str) -> str | None:
    """The UnionID WeChat knows for the Official Account's ``openid`` (None: none);
    ``LookupFailed`` when it does not say in time."""
    try:
        async with asyncio.timeout(USER_INFO_TIMEOUT):
            info = await wechat.user_info(openid)
    except TimeoutError:
        raise LookupFailed(f"user/info took over {USER_INFO_TIMEOUT} s") from None
    except WeChatError as exc:
        raise LookupFailed(f"user/info: {exc.code}") from None
    unionid = info.get("unionid")
    return str(unionid) if unionid else None
