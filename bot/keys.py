"""Typed keys for what the aiohttp application holds."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
from aiohttp import web

from bot.config import Settings
from bot.signing import MessageCrypto
from handlers.context import Services
from handlers.pipeline import Pipeline
from storage.kv import KV

SETTINGS = web.AppKey("settings", Settings)
KV_STORE = web.AppKey("kv", KV)
CRYPTO = web.AppKey("crypto", MessageCrypto | None)
PIPELINE = web.AppKey("pipeline", Pipeline)
SERVICES = web.AppKey("services", Services)
HTTP = web.AppKey("http", aiohttp.ClientSession)
WECHAT = web.AppKey("wechat", object)  # bot.wechat.client.WeChatClient
# The mini-program's client (its own AppID when LINLI_MINIAPP_APPID is set, else WECHAT).
WECHAT_MINIAPP = web.AppKey("wechat_miniapp", object)
SANDBOX = web.AppKey("sandbox", object)  # bot.sandbox state when mounted in-process
INBOUND_OBSERVERS = web.AppKey("inbound_observers", list[Callable[[str], None]])
API_BASE = web.AppKey("api_base", str)
