"""The WeChat client a CLI command uses: the real API, or the sandbox inside ``linli serve``.

In sandbox mode the sandbox lives in the running service's process, so commands reach it at
``--url`` (default http://127.0.0.1:8080) + /sandbox/wechat. The access_token cache is the
service's Redis (LINLI_REDIS_URL), so the CLI and the service share one token.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from bot.config import Settings
from bot.wechat.client import WeChatClient
from bot.wechat.errors import UNAVAILABLE, WeChatError
from bot.wechat.explain import describe
from bot.wechat.retry import RetryPolicy
from storage.kv import KV

DEFAULT_SERVICE_URL = "http://127.0.0.1:8080"
SANDBOX_PATH = "/sandbox/wechat"  # bot.app.SANDBOX_PATH (not imported: it loads the web app)


def add_service_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", default=DEFAULT_SERVICE_URL, metavar="URL",
                        help="sandbox mode only: the running `linli serve` whose built-in "
                             f"sandbox plays WeChat (default {DEFAULT_SERVICE_URL})")


def api_base(settings: Settings, service_url: str = DEFAULT_SERVICE_URL) -> str:
    """Where the WeChat API is: LINLI_WECHAT_API_BASE, or the service's sandbox."""
    if settings.sandbox:
        return service_url.rstrip("/") + SANDBOX_PATH
    return settings.wechat_api_base


@asynccontextmanager
async def wechat_client(settings: Settings, kv: KV, service_url: str = DEFAULT_SERVICE_URL,
                        timeout: float = 10.0) -> AsyncIterator[WeChatClient]:
    async with aiohttp.ClientSession() as http:
        yield WeChatClient(http, kv, settings.wechat_appid, settings.wechat_secret,
                           api_base(settings, service_url), timeout=timeout,
                           retry=RetryPolicy(attempts=2))


def failure(what: str, exc: WeChatError, settings: Settings,
            service_url: str = DEFAULT_SERVICE_URL) -> str:
    """One line for the operator: what failed, WeChat's answer and what to do."""
    if exc.code != UNAVAILABLE:
        return f"error: WeChat refused {what}: {describe(exc)}"
    if settings.sandbox:
        return (f"error: cannot reach the sandbox at {api_base(settings, service_url)} "
                f"({exc.message}): in sandbox mode it runs inside `linli serve`; start it, "
                "or pass --url")
    return f"error: cannot reach WeChat for {what}: {describe(exc)}"
