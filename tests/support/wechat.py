"""Fixtures for the WeChat client and sandbox tests: a real sandbox HTTP server and clients.

Import the fixtures you use into the test module (pytest finds them there).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import fakeredis
import pytest
from pytest_aiohttp import AiohttpServer

from bot.config import SANDBOX_APPID, SANDBOX_SECRET
from bot.sandbox import SandboxState, create_sandbox_app
from bot.wechat import RetryPolicy, TokenPolicy, WeChatClient
from storage.kv import KV, create_redis
from tests.conftest import REDIS_URL

APPID = SANDBOX_APPID
SECRET = SANDBOX_SECRET
TEMPLATE_ID = "Tq6bQkN3-progress-notice"
# Short waits so retry tests run in milliseconds; the limits themselves are the real ones.
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.005)
FAST_TOKENS = TokenPolicy(wait=5.0, poll=0.005)
# The first bytes of a JPEG, which is what the sandbox (like WeChat) checks for.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4


@pytest.fixture(params=["redis", "fakeredis"])
def redis_kind(request: pytest.FixtureRequest) -> str:
    """Real Redis (checked to be up, never skipped), then fakeredis (the embedded default)."""
    if request.param == "redis":
        request.getfixturevalue("real_redis_checked")
    return str(request.param)


@pytest.fixture
async def wechat_kv(redis_kind: str, redis_prefix: str) -> AsyncIterator[KV]:
    """A Redis namespace for the token cache.

    Like conftest's ``kv`` but without a database: these tests touch only Redis.
    """
    if redis_kind == "redis":
        client = create_redis(REDIS_URL)
    else:
        client = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer())
    yield KV(client, redis_prefix)
    if redis_kind == "redis":
        async for key in client.scan_iter(match=f"{redis_prefix}*", count=500):
            await client.delete(key)
    await client.aclose()


@pytest.fixture
def sandbox() -> SandboxState:
    """The sandbox's state, to steer and inspect."""
    return SandboxState(APPID, SECRET, templates={TEMPLATE_ID}, cs_limit=5)


@pytest.fixture
async def sandbox_url(aiohttp_server: AiohttpServer, sandbox: SandboxState) -> str:
    """Base URL of the sandbox running as a real HTTP server."""
    server = await aiohttp_server(create_sandbox_app(sandbox))
    return str(server.make_url("/")).rstrip("/")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def make_client(
    http: aiohttp.ClientSession, wechat_kv: KV, sandbox_url: str
) -> Callable[..., WeChatClient]:
    """A client factory; each client is like another process sharing the same Redis."""

    def make(**overrides: Any) -> WeChatClient:
        args: dict[str, Any] = {
            "appid": APPID,
            "secret": SECRET,
            "base_url": sandbox_url,
            "retry": FAST_RETRY,
            "token_policy": FAST_TOKENS,
        }
        args.update(overrides)
        return WeChatClient(http, wechat_kv, **args)

    return make


@pytest.fixture
def wechat(make_client: Callable[..., WeChatClient]) -> WeChatClient:
    return make_client()
