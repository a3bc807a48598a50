"""Fixtures that build the whole service against the backend under test and the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
import redis.asyncio as aioredis

from bot import keys
from bot.app import create_app
from bot.config import SANDBOX_APPID, SANDBOX_SECRET, SANDBOX_TOKEN, Settings
from bot.sandbox import SandboxState, create_sandbox_app
from tests.conftest import Backend
from tests.support.api import Api
from tests.support.bot import Bot


@dataclass
class Sandbox:
    state: SandboxState
    url: str


@pytest.fixture
async def sandbox(aiohttp_server) -> Sandbox:
    state = SandboxState(appid=SANDBOX_APPID, secret=SANDBOX_SECRET)
    server = await aiohttp_server(create_sandbox_app(state))
    return Sandbox(state, str(server.make_url("")).rstrip("/"))


@pytest.fixture
def make_settings(backend: Backend, redis_prefix: str, sandbox: Sandbox
                  ) -> Callable[..., Settings]:
    def make(**changes: object) -> Settings:
        base = Settings(
            wechat_token=SANDBOX_TOKEN, wechat_appid=SANDBOX_APPID, wechat_secret=SANDBOX_SECRET,
            database_url=backend.database_url, redis_url=backend.redis_url,
            wechat_api_base=sandbox.url, redis_prefix=redis_prefix,
        )
        return base.with_(**changes)
    return make


@pytest.fixture
async def make_bot(db, aiohttp_client, make_settings, sandbox, redis_prefix, backend
                   ) -> AsyncIterator[Callable[..., Bot]]:
    """Build one or more app instances (each its own Redis client and pipeline)."""
    made: list[Bot] = []

    async def make(aes: bool = False, **changes: object) -> Bot:
        settings = make_settings(**changes)
        app = create_app(settings)
        # The sandbox plays WeChat: it knows when a person last wrote to the account.
        app[keys.INBOUND_OBSERVERS].append(sandbox.state.observe_inbound)
        client = await aiohttp_client(app)
        bot = Bot(client, settings, sandbox.state, aes=aes)
        made.append(bot)
        return bot

    yield make
    if backend.redis_url is not None:
        r = aioredis.from_url(backend.redis_url)
        async for key in r.scan_iter(match=f"{redis_prefix}*", count=500):
            await r.delete(key)
        await r.aclose()


@pytest.fixture
async def bot(make_bot) -> Bot:
    return await make_bot()


@pytest.fixture
async def api(bot: Bot) -> Api:
    """The mini-program's view of the service (tests/support/api.py)."""
    return Api(bot.client, bot.sandbox)


@pytest.fixture
def api_for() -> Callable[[Bot], Api]:
    return lambda bot: Api(bot.client, bot.sandbox)
