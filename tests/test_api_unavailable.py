"""When the stores or WeChat cannot serve, the API says so in its standard error body: Redis
down is a 503 (as /healthz says), WeChat's per-minute quota on jscode2session (45011) a 429
with Retry-After - never a 500."""

from __future__ import annotations

import socket

import pytest
import redis.asyncio as aioredis

from bot import keys
from bot.sandbox.api_token import LOGIN_LIMIT_WINDOW
from storage import clock
from tests.support.api import Api
from tests.support.open311 import api_key, form, json_error, open311_bot, post

JSCODE = "/sns/jscode2session"


def _dead_redis_url() -> str:
    """A Redis URL where nothing listens (a port just freed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def _standard(body: dict, code: str) -> None:
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert body["error"]["message"]


@pytest.mark.parametrize(("method", "path", "kw"), [
    ("POST", "/api/v1/auth/login", {"json": {"code": "c"}}),
    ("GET", "/api/v1/me", {"headers": {"Authorization": "Bearer t"}}),
    ("GET", "/api/v1/reports/mine", {"headers": {"Authorization": "Bearer t"}}),
    ("GET", "/api/v1/openapi.json", {}),
])
async def test_redis_down_is_a_503_with_the_standard_body(make_bot, method, path, kw):
    bot = await make_bot(redis_url=_dead_redis_url())
    health = await bot.client.get("/healthz")
    assert health.status == 503
    resp = await bot.client.request(method, path, **kw)
    if path.endswith("openapi.json"):  # needs no store at all
        assert resp.status == 200
        return
    assert resp.status == 503, await resp.text()
    assert resp.headers.get("Retry-After")
    _standard(await resp.json(), "service_unavailable")


async def test_redis_lost_after_sign_in_is_a_503(bot, sandbox):
    caller = await Api(bot.client, sandbox.state).login("o-alice")
    kv = bot.client.app[keys.KV_STORE]
    working = kv.redis
    # Redis goes away: the app's client now reaches a port where nothing listens.
    object.__setattr__(kv, "redis", aioredis.from_url(_dead_redis_url()))
    try:
        status, body = await caller.get("/me")
        assert status == 503, body
        _standard(body, "service_unavailable")
    finally:
        await kv.redis.aclose()
        object.__setattr__(kv, "redis", working)
    assert (await caller.get("/me"))[0] == 200  # back as soon as Redis is


async def test_jscode2session_minute_quota_is_a_429(bot, sandbox):
    sandbox.state.fail_next(JSCODE, 45011)
    code = sandbox.state.issue_login_code("o-alice")
    resp = await bot.client.post("/api/v1/auth/login", json={"code": code})
    assert resp.status == 429, await resp.text()
    assert resp.headers["Retry-After"] == "60"
    _standard(await resp.json(), "rate_limited")
    # The code was never used up: the next try, a minute later, signs in.
    resp = await bot.client.post("/api/v1/auth/login", json={"code": code})
    assert resp.status == 200, await resp.text()


async def test_the_sandbox_answers_45011_past_its_minute_quota(bot, sandbox):
    sandbox.state.login_limit = 2
    statuses = []
    for n in range(3):
        code = sandbox.state.issue_login_code(f"o-{n}")
        resp = await bot.client.post("/api/v1/auth/login", json={"code": code})
        statuses.append(resp.status)
    assert statuses == [200, 200, 429]
    resp = await bot.client.session.get(f"{sandbox.url}{JSCODE}", params={
        "appid": sandbox.state.appid, "secret": sandbox.state.secret, "js_code": "x",
        "grant_type": "authorization_code"})
    answer = await resp.json(content_type=None)
    assert answer["errcode"] == 45011 and "minute-quota" in answer["errmsg"]
    clock.advance(LOGIN_LIMIT_WINDOW)
    code = sandbox.state.issue_login_code("o-later")
    assert (await bot.client.post("/api/v1/auth/login", json={"code": code})).status == 200


async def test_open311_post_with_redis_down_is_a_503_error_document(make_bot, tmp_path):
    async def dead(**changes):
        return await make_bot(redis_url=_dead_redis_url(), **changes)

    bot = await open311_bot(dead, tmp_path)
    await json_error(await post(bot, form(await api_key()), "json"), 503)
