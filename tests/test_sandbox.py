"""The WeChat sandbox over real HTTP: WeChat's paths, payloads, error codes and semantics."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from bot.sandbox import SandboxState, create_sandbox_app
from bot.wechat import WeChatClient
from storage import clock
from tests.support.wechat import *  # noqa: F403 - the fixtures
from tests.support.wechat import APPID, FAST_RETRY, JPEG, SECRET, TEMPLATE_ID

Client = TestClient[web.Request, web.Application]
CUSTOM = "/cgi-bin/message/custom/send"
TEMPLATE = "/cgi-bin/message/template/send"
SUBSCRIBE = "/cgi-bin/message/subscribe/send"


@pytest.fixture
async def api(aiohttp_client: AiohttpClient, sandbox: SandboxState) -> Client:
    return await aiohttp_client(create_sandbox_app(sandbox))


async def call(
    api: Client, path: str, body: dict[str, Any] | None = None, **query: str
) -> dict[str, Any]:
    """POST ``body`` (or GET when None) and return WeChat's JSON answer."""
    if body is None:
        resp = await api.get(path, params=query)
    else:
        resp = await api.post(path, params=query, json=body)
    assert resp.status == 200
    return await resp.json(content_type=None)


async def get_token(api: Client, force: bool = False, **overrides: Any) -> dict[str, Any]:
    body = {
        "grant_type": "client_credential",
        "appid": APPID,
        "secret": SECRET,
        "force_refresh": force,
        **overrides,
    }
    return await call(api, "/cgi-bin/stable_token", body)


async def send_text(api: Client, token: str, openid: str, text: str = "你好") -> int:
    body = {"touser": openid, "msgtype": "text", "text": {"content": text}}
    return (await call(api, CUSTOM, body, access_token=token))["errcode"]


def assert_error(answer: dict[str, Any], code: int, message: str) -> None:
    assert answer["errcode"] == code
    assert answer["errmsg"].startswith(message + " rid: ")


# -- stable_token ----------------------------------------------------------------------------


async def test_stable_token_checks_appid_and_secret(api: Client, sandbox: SandboxState):
    assert_error(await get_token(api, appid="wx0000000000000000"), 40013, "invalid appid")
    assert_error(await get_token(api, secret="nope"), 40125, "invalid appsecret")
    assert_error(await get_token(api, grant_type="password"), 40002, "invalid grant_type")
    assert sandbox.tokens_issued == 0


async def test_normal_mode_returns_the_valid_token(api: Client, sandbox: SandboxState):
    first = await get_token(api)
    assert first["expires_in"] == 7200
    clock.advance(timedelta(seconds=1000))
    second = await get_token(api)
    assert second["access_token"] == first["access_token"]
    assert 6190 <= second["expires_in"] <= 6200
    assert sandbox.tokens_issued == 1


async def test_concurrent_normal_calls_issue_one_token(api: Client, sandbox: SandboxState):
    answers = await asyncio.gather(*(get_token(api) for _ in range(20)))
    assert len({a["access_token"] for a in answers}) == 1
    assert sandbox.tokens_issued == 1


async def test_force_refresh_invalidates_the_previous_token(api: Client, sandbox: SandboxState):
    sandbox.observe_inbound("o1")
    old = (await get_token(api))["access_token"]
    new = (await get_token(api, force=True))["access_token"]
    assert new != old
    assert sandbox.forced_refreshes == 1
    answer = await call(
        api, CUSTOM, {"touser": "o1", "msgtype": "text", "text": {"content": "x"}}, access_token=old
    )
    assert_error(answer, 40001, "invalid credential, access_token is invalid or not latest")
    assert await send_text(api, new, "o1") == 0


async def test_tokens_expire(api: Client, sandbox: SandboxState):
    sandbox.observe_inbound("o1")
    token = (await get_token(api))["access_token"]
    clock.advance(timedelta(seconds=7000))  # 200 s left: normal mode already hands out a new one
    renewed = (await get_token(api))["access_token"]
    assert renewed != token
    assert await send_text(api, token, "o1") == 0  # the old one works until it expires
    clock.advance(timedelta(seconds=201))
    answer = await call(
        api,
        CUSTOM,
        {"touser": "o1", "msgtype": "text", "text": {"content": "x"}},
        access_token=token,
    )
    assert_error(answer, 42001, "access_token expired")
    assert await send_text(api, renewed, "o1") == 0
    assert_error(await call(api, CUSTOM, {"touser": "o1"}), 41001, "access_token missing")


# -- customer-service window -----------------------------------------------------------------


async def test_customer_service_window_and_count(api: Client, sandbox: SandboxState):
    token = (await get_token(api))["access_token"]
    assert await send_text(api, token, "o1") == 45015  # never wrote to us
    sandbox.observe_inbound("o1")
    assert [await send_text(api, token, "o1") for _ in range(6)] == [0] * 5 + [45047]
    sandbox.observe_inbound("o1")  # they wrote again: the count starts over
    assert await send_text(api, token, "o1") == 0
    clock.advance(timedelta(hours=48, seconds=1))
    token = (await get_token(api))["access_token"]
    answer = await call(
        api,
        CUSTOM,
        {"touser": "o1", "msgtype": "text", "text": {"content": "x"}},
        access_token=token,
    )
    assert_error(answer, 45015, "response out of time limit or subscription is canceled")
    assert len(sandbox.messages_for("o1")) == 6


async def test_customer_service_window_is_48_hours(api: Client, sandbox: SandboxState):
    token = (await get_token(api))["access_token"]
    sandbox.observe_inbound("o1")
    clock.advance(timedelta(hours=47, minutes=59))
    token = (await get_token(api))["access_token"]
    assert await send_text(api, token, "o1") == 0
    sandbox.set_following("o1", False)
    assert await send_text(api, token, "o1") == 45015


async def test_customer_service_limit_is_configurable(aiohttp_client: AiohttpClient):
    sandbox = SandboxState(APPID, SECRET, cs_limit=1)
    api = await aiohttp_client(create_sandbox_app(sandbox))
    token = (await get_token(api))["access_token"]
    sandbox.observe_inbound("o1")
    assert await send_text(api, token, "o1") == 0
    body = {"touser": "o1", "msgtype": "text", "text": {"content": "x"}}
    assert_error(
        await call(api, CUSTOM, body, access_token=token), 45047, "out of response count limit"
    )


async def test_image_message_needs_live_media(api: Client, sandbox: SandboxState):
    token = (await get_token(api))["access_token"]
    sandbox.observe_inbound("o1")
    media_id = sandbox.add_media(JPEG)
    body = {"touser": "o1", "msgtype": "image", "image": {"media_id": media_id}}
    assert (await call(api, CUSTOM, body, access_token=token))["errcode"] == 0
    body["image"]["media_id"] = "gone"
    assert_error(await call(api, CUSTOM, body, access_token=token), 40007, "invalid media_id")


# -- subscribe and template messages ---------------------------------------------------------


async def test_subscribe_grants_count_down(api: Client, sandbox: SandboxState):
    token = (await get_token(api))["access_token"]
    sandbox.grant_subscribe("o1", "sub-A", count=2)
    body = {
        "touser": "o1",
        "template_id": "sub-A",
        "page": "pages/index",
        "data": {"thing1": {"value": "报事已办结"}},
    }
    results = [await call(api, SUBSCRIBE, body, access_token=token) for _ in range(3)]
    assert [r["errcode"] for r in results] == [0, 0, 43101]
    assert_error(results[2], 43101, "user refuse to accept the msg")
    assert results[0]["msgid"] != results[1]["msgid"]
    other = {**body, "template_id": "sub-B"}
    assert (await call(api, SUBSCRIBE, other, access_token=token))["errcode"] == 43101
    assert sandbox.grants["o1", "sub-A"] == 0


async def test_template_message(api: Client, sandbox: SandboxState):
    token = (await get_token(api))["access_token"]
    body = {
        "touser": "o1",
        "template_id": TEMPLATE_ID,
        "url": "https://example.org",
        "data": {"thing1": {"value": "路灯已修好"}},
    }
    ok = await call(api, TEMPLATE, body, access_token=token)
    assert ok["errcode"] == 0 and isinstance(ok["msgid"], int)
    unknown = await call(api, TEMPLATE, {**body, "template_id": "nope"}, access_token=token)
    assert_error(unknown, 40037, "invalid template_id")
    bad_data = await call(api, TEMPLATE, {**body, "data": {"thing1": "x"}}, access_token=token)
    assert_error(bad_data, 47001, "data format error")
    sandbox.set_following("o1", False)
    assert_error(await call(api, TEMPLATE, body, access_token=token), 43004, "require subscribe")
    sandbox.set_following("o1", True)
    assert (await call(api, TEMPLATE, body, access_token=token))["errcode"] == 0
    assert [m["endpoint"] for m in sandbox.sent] == [TEMPLATE, TEMPLATE]


# -- media -----------------------------------------------------------------------------------


async def upload(api: Client, token: str, content: bytes, kind: str = "image") -> dict[str, Any]:
    form = aiohttp.FormData()
    form.add_field("media", content, filename="photo.jpg", content_type="image/jpeg")
    resp = await api.post(
        "/cgi-bin/media/upload", params={"access_token": token, "type": kind}, data=form
    )
    return await resp.json(content_type=None)


async def test_media_upload_and_get(api: Client, sandbox: SandboxState):
    token = (await get_token(api))["access_token"]
    uploaded = await upload(api, token, JPEG)
    assert uploaded["type"] == "image"
    assert abs(uploaded["created_at"] - clock.now().timestamp()) < 5
    resp = await api.get(
        "/cgi-bin/media/get", params={"access_token": token, "media_id": uploaded["media_id"]}
    )
    assert resp.content_type == "image/jpeg"
    assert await resp.read() == JPEG
    assert uploaded["media_id"] in resp.headers["Content-disposition"]
    assert_error(await upload(api, token, b"not an image"), 40005, "invalid file type")
    assert_error(await upload(api, token, JPEG, kind="pdf"), 40004, "invalid media type")


async def test_media_expires_after_three_days(api: Client, sandbox: SandboxState):
    token = (await get_token(api))["access_token"]
    media_id = sandbox.add_media(JPEG)
    clock.advance(timedelta(days=3, seconds=-60))
    token = (await get_token(api))["access_token"]
    query = {"access_token": token, "media_id": media_id}
    assert (await api.get("/cgi-bin/media/get", params=query)).content_type == "image/jpeg"
    clock.advance(timedelta(seconds=61))
    token = (await get_token(api))["access_token"]
    resp = await api.get("/cgi-bin/media/get", params={**query, "access_token": token})
    assert resp.content_type == "text/plain"  # like WeChat: JSON error, not JSON content type
    assert_error(await resp.json(content_type=None), 40007, "invalid media_id")


# -- jscode2session --------------------------------------------------------------------------


async def test_jscode2session(api: Client, sandbox: SandboxState):
    code = sandbox.issue_login_code("o-mini")
    query = {"appid": APPID, "secret": SECRET, "js_code": code, "grant_type": "authorization_code"}
    resp = await api.get("/sns/jscode2session", params=query)
    assert resp.content_type == "text/plain"
    session = await resp.json(content_type=None)
    assert session["openid"] == "o-mini" and session["session_key"]
    assert "errcode" not in session
    assert_error(await call(api, "/sns/jscode2session", **query), 40163, "code been used")
    unknown = await call(api, "/sns/jscode2session", **{**query, "js_code": "x"})
    assert_error(unknown, 40029, "invalid code")
    stale = sandbox.issue_login_code("o-mini")
    clock.advance(timedelta(minutes=5, seconds=1))
    expired = await call(api, "/sns/jscode2session", **{**query, "js_code": stale})
    assert_error(expired, 40029, "invalid code")
    wrong = await call(api, "/sns/jscode2session", **{**query, "secret": "x"})
    assert_error(wrong, 40125, "invalid appsecret")


# -- steering and the message log ------------------------------------------------------------


async def test_fail_next_injects_errors(api: Client, sandbox: SandboxState):
    token = (await get_token(api))["access_token"]
    sandbox.observe_inbound("o1")
    sandbox.fail_next("/custom/send", -1, times=2)
    assert [await send_text(api, token, "o1") for _ in range(3)] == [-1, -1, 0]
    assert sandbox.calls[CUSTOM] == 3
    assert len(sandbox.sent) == 1


async def test_latency_is_added(api: Client, sandbox: SandboxState):
    sandbox.latency = 0.2
    started = time.monotonic()
    await get_token(api)
    assert time.monotonic() - started >= 0.2


async def test_messages_route_lists_what_was_delivered(api: Client, sandbox: SandboxState):
    token = (await get_token(api))["access_token"]
    for openid in ("oA", "oB"):
        sandbox.observe_inbound(openid)
    await send_text(api, token, "oA", "第一条")
    await send_text(api, token, "oB", "给B")
    await send_text(api, token, "oA", "第二条")
    await send_text(api, token, "oC", "not delivered: no window")
    listing = await call(api, "/_sandbox/messages", openid="oA")
    assert [m["payload"]["text"]["content"] for m in listing["messages"]] == ["第一条", "第二条"]
    assert [m["seq"] for m in listing["messages"]] == [1, 3]
    assert listing["messages"][0]["endpoint"] == CUSTOM
    assert listing["last"] == 3
    assert (await call(api, "/_sandbox/messages", openid="oA", since="3"))["messages"] == []
    await send_text(api, token, "oA", "第三条")
    newer = await call(api, "/_sandbox/messages", openid="oA", since=str(listing["last"]))
    assert [m["payload"]["text"]["content"] for m in newer["messages"]] == ["第三条"]
    assert (await api.get("/_sandbox/messages")).status == 400
    assert sandbox.calls["/_sandbox/messages"] == 0  # not a WeChat call


# -- mounted under the main app --------------------------------------------------------------


async def test_mounted_as_sub_app_serves_the_client(
    aiohttp_client: AiohttpClient,
    http: aiohttp.ClientSession,
    wechat_kv: Any,
    sandbox: SandboxState,
) -> None:
    parent = web.Application()
    parent.add_subapp("/sandbox/wechat", create_sandbox_app(sandbox))
    server = await aiohttp_client(parent)
    base_url = str(server.make_url("/sandbox/wechat"))
    wechat = WeChatClient(http, wechat_kv, APPID, SECRET, base_url, retry=FAST_RETRY)
    sandbox.observe_inbound("o1")
    sandbox.fail_next("/custom/send", -1)
    await wechat.send_text("o1", "挂载模式")
    media_id = await wechat.upload_media("image", "a.jpg", JPEG, "image/jpeg")
    assert await wechat.download_media(media_id) == (JPEG, "image/jpeg")
    assert sandbox.calls == {
        "/cgi-bin/stable_token": 1,
        CUSTOM: 2,
        "/cgi-bin/media/upload": 1,
        "/cgi-bin/media/get": 1,
    }
    listing = await server.get("/sandbox/wechat/_sandbox/messages", params={"openid": "o1"})
    assert [m["payload"]["text"]["content"] for m in (await listing.json())["messages"]] == [
        "挂载模式"
    ]
