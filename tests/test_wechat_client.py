"""The async WeChat client against the sandbox over real HTTP, with real Redis and fakeredis."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from bot.metrics import REGISTRY
from bot.sandbox import SandboxState
from bot.wechat import (
    ApiFrequencyLimit,
    CodeUsed,
    CustomerServiceLimit,
    InvalidCode,
    InvalidCredential,
    InvalidMedia,
    NotFollowing,
    OutOfWindow,
    QuotaError,
    SubscribeRefused,
    SystemBusy,
    TokenExpired,
    TokenPolicy,
    WeChatClient,
    WeChatError,
    WeChatUnavailable,
)
from bot.wechat.messenger import WeChatMessenger
from handlers.ports import DeliveryFailed, DeliveryRefused
from storage import clock
from tests.support.wechat import *  # noqa: F403 - the fixtures
from tests.support.wechat import APPID, FAST_TOKENS, JPEG, SECRET, TEMPLATE_ID

TOKEN = "/cgi-bin/stable_token"
CUSTOM = "/cgi-bin/message/custom/send"
MakeClient = Callable[..., WeChatClient]


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# -- access_token ----------------------------------------------------------------------------


async def test_concurrent_callers_cause_one_issuance(
    make_client: MakeClient, sandbox: SandboxState
) -> None:
    clients = [make_client() for _ in range(4)]  # four "processes" sharing Redis
    tokens = await asyncio.gather(*(clients[i % 4].access_token() for i in range(20)))
    assert len(set(tokens)) == 1
    assert tokens[0] == sandbox.current_token
    assert sandbox.tokens_issued == 1
    assert sandbox.calls[TOKEN] == 1


async def test_token_is_cached_until_the_margin(wechat: WeChatClient, sandbox: SandboxState):
    first = await wechat.access_token()
    clock.advance(timedelta(seconds=7200 - 301))  # still 301 s left: outside the 300 s margin
    assert await wechat.access_token() == first
    assert sandbox.calls[TOKEN] == 1
    clock.advance(timedelta(seconds=2))  # inside the margin: refresh in normal mode
    second = await wechat.access_token()
    assert second != first
    assert sandbox.calls[TOKEN] == 2
    assert sandbox.forced_refreshes == 0


async def test_invalidated_token_forces_one_refresh_and_one_retry(
    wechat: WeChatClient, sandbox: SandboxState
) -> None:
    stale = await wechat.access_token()
    sandbox.issue_token(force=True)  # someone else forced a refresh behind our back
    sandbox.observe_inbound("o-resident")
    await wechat.send_text("o-resident", "您的报事已受理")
    assert sandbox.calls[CUSTOM] == 2  # rejected once, then accepted
    assert sandbox.forced_refreshes == 2  # theirs and ours
    assert await wechat.access_token() not in (stale, None)
    assert [m["payload"]["text"]["content"] for m in sandbox.sent] == ["您的报事已受理"]


async def test_expired_token_42001_is_refreshed_once(wechat: WeChatClient, sandbox: SandboxState):
    sandbox.observe_inbound("o1")
    sandbox.fail_next(CUSTOM, 42001)
    await wechat.send_text("o1", "hi")
    assert sandbox.calls[CUSTOM] == 2
    assert sandbox.forced_refreshes == 1
    assert len(sandbox.sent) == 1


async def test_token_storm_stays_bounded(make_client: MakeClient, sandbox: SandboxState):
    clients = [make_client() for _ in range(5)]
    await clients[0].access_token()
    sandbox.issue_token(force=True)  # every cached token is now invalid...
    sandbox.fail_next(CUSTOM, 40001, times=10_000)  # ...and WeChat keeps saying so
    openids = [f"o{i}" for i in range(50)]
    for openid in openids:
        sandbox.observe_inbound(openid)

    async def storm() -> list[BaseException | None]:
        return await asyncio.gather(
            *(clients[i % 5].send_text(o, "x") for i, o in enumerate(openids)),
            return_exceptions=True,
        )

    results = await storm()
    assert all(isinstance(r, TokenExpired) and r.code == 40001 for r in results)
    assert sandbox.calls[CUSTOM] == 100  # each call: one try, one retry, no loop
    assert sandbox.calls[TOKEN] == 2  # the first fetch and ONE forced refresh
    assert sandbox.forced_refreshes == 2  # the one behind our back and ours

    results = await storm()  # still inside the 30 s window: no forced refresh at all,
    assert all(isinstance(r, TokenExpired) for r in results)
    assert sandbox.calls[CUSTOM] == 150  # and no retry, as there is no newer token to try
    assert sandbox.calls[TOKEN] == 2
    assert sandbox.sent == []


async def test_forced_refresh_allowed_again_after_the_window(
    make_client: MakeClient, sandbox: SandboxState
) -> None:
    policy = TokenPolicy(force_interval=0.3, wait=FAST_TOKENS.wait, poll=FAST_TOKENS.poll)
    wechat = make_client(token_policy=policy)
    sandbox.observe_inbound("o1")
    sandbox.fail_next(CUSTOM, 40001)
    await wechat.send_text("o1", "a")
    sandbox.fail_next(CUSTOM, 40001)
    with pytest.raises(TokenExpired):  # within the window: no second forced refresh
        await wechat.send_text("o1", "b")
    assert sandbox.forced_refreshes == 1
    await asyncio.sleep(0.35)
    sandbox.fail_next(CUSTOM, 40001)
    await wechat.send_text("o1", "c")
    assert sandbox.forced_refreshes == 2
    assert [m["payload"]["text"]["content"] for m in sandbox.sent] == ["a", "c"]


async def test_access_token_force_once_per_window(wechat: WeChatClient, sandbox: SandboxState):
    first = await wechat.access_token()
    forced = await wechat.access_token(force=True)
    again = await wechat.access_token(force=True)
    assert forced != first
    assert again == forced
    assert sandbox.forced_refreshes == 1


async def test_wrong_secret_or_appid_is_invalid_credential(make_client: MakeClient):
    with pytest.raises(InvalidCredential) as wrong_secret:
        await make_client(secret="not-the-secret").access_token()
    assert wrong_secret.value.code == 40125
    with pytest.raises(InvalidCredential) as wrong_appid:
        await make_client(appid="wx0000000000000000").access_token()
    assert wrong_appid.value.code == 40013


# -- retries and errors ----------------------------------------------------------------------


async def test_system_error_is_retried_then_succeeds(wechat: WeChatClient, sandbox: SandboxState):
    sandbox.observe_inbound("o1")
    sandbox.fail_next(CUSTOM, -1, times=2)
    await wechat.send_text("o1", "hi")
    assert sandbox.calls[CUSTOM] == 3
    assert len(sandbox.sent) == 1


async def test_system_error_gives_up_after_the_limit(wechat: WeChatClient, sandbox: SandboxState):
    sandbox.observe_inbound("o1")
    sandbox.fail_next(CUSTOM, -1, times=5)
    with pytest.raises(SystemBusy) as busy:
        await wechat.send_text("o1", "hi")
    assert busy.value.code == -1
    assert busy.value.message.startswith("system error")
    assert sandbox.calls[CUSTOM] == 3  # RetryPolicy.attempts
    assert sandbox.sent == []


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (45015, OutOfWindow),
        (45047, CustomerServiceLimit),
        (43004, NotFollowing),
        (43101, SubscribeRefused),
        (45009, ApiFrequencyLimit),
    ],
)
async def test_quota_errors_are_raised_and_never_retried(
    wechat: WeChatClient, sandbox: SandboxState, code: int, error: type[QuotaError]
) -> None:
    sandbox.observe_inbound("o1")
    await wechat.access_token()
    before = metric("linli_wechat_api_errors_total", endpoint=CUSTOM, code=str(code))
    sandbox.fail_next(CUSTOM, code, times=3)
    with pytest.raises(error) as raised:
        await wechat.send_text("o1", "hi")
    assert isinstance(raised.value, QuotaError)
    assert (raised.value.code, raised.value.endpoint) == (code, CUSTOM)
    assert sandbox.calls[CUSTOM] == 1
    assert sandbox.calls[TOKEN] == 1
    assert metric("linli_wechat_api_errors_total", endpoint=CUSTOM, code=str(code)) == before + 1


async def test_calls_are_counted(wechat: WeChatClient, sandbox: SandboxState):
    sandbox.observe_inbound("o1")
    before = metric("linli_wechat_api_calls_total", endpoint=CUSTOM)
    await wechat.send_text("o1", "a")
    await wechat.send_text("o1", "b")
    assert metric("linli_wechat_api_calls_total", endpoint=CUSTOM) == before + 2


async def test_other_errors_are_not_retried(wechat: WeChatClient, sandbox: SandboxState):
    with pytest.raises(WeChatError) as raised:
        await wechat.send_template("o1", "no-such-template", {"thing1": "x"})
    assert raised.value.code == 40037
    assert raised.value.message.startswith("invalid template_id")
    assert sandbox.calls["/cgi-bin/message/template/send"] == 1


async def test_timeout_is_unavailable_without_leaking_the_token(
    make_client: MakeClient, sandbox: SandboxState
) -> None:
    wechat = make_client(timeout=0.1)
    token = await wechat.access_token()
    sandbox.latency = 0.5
    with pytest.raises(WeChatUnavailable) as raised:
        await wechat.send_text("o1", "hi")
    assert raised.value.endpoint == CUSTOM
    assert token not in str(raised.value)
    assert sandbox.calls[CUSTOM] == 1  # a timeout may hide a delivery: not retried


async def test_connection_refused_is_unavailable(make_client: MakeClient):
    wechat = make_client(base_url="http://127.0.0.1:9")
    with pytest.raises(WeChatUnavailable) as raised:
        await wechat.access_token()
    assert SECRET not in str(raised.value)


async def test_http_error_status_is_unavailable(
    aiohttp_server: AiohttpServer, make_client: MakeClient
) -> None:
    app = web.Application()

    async def bad_gateway(request: web.Request) -> web.Response:
        return web.Response(status=502, text="Bad Gateway")

    app.router.add_post(TOKEN, bad_gateway)
    server = await aiohttp_server(app)
    with pytest.raises(WeChatUnavailable, match="HTTP 502"):
        await make_client(base_url=str(server.make_url("/"))).access_token()


async def test_chinese_is_sent_as_utf8_not_escaped(
    aiohttp_server: AiohttpServer, make_client: MakeClient
) -> None:
    bodies: list[tuple[str, bytes]] = []

    async def capture(request: web.Request) -> web.Response:
        bodies.append((request.headers["Content-Type"], await request.read()))
        if request.path == TOKEN:
            return web.json_response({"access_token": "T", "expires_in": 7200})
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    app = web.Application()
    app.router.add_post("/{tail:.*}", capture)
    server = await aiohttp_server(app)
    await make_client(base_url=str(server.make_url("/"))).send_text("o1", "楼道灯坏了")
    content_type, body = bodies[-1]
    assert content_type == "application/json; charset=utf-8"
    assert "楼道灯坏了".encode() in body
    assert b"\\u" not in body


# -- endpoints -------------------------------------------------------------------------------


async def test_send_image_and_template_and_subscribe(
    wechat: WeChatClient, sandbox: SandboxState
) -> None:
    sandbox.observe_inbound("o1")
    media_id = await wechat.upload_media("image", "after.jpg", JPEG, "image/jpeg")
    await wechat.send_image("o1", media_id)
    msgid = await wechat.send_template(
        "o1", TEMPLATE_ID, {"thing1": "路灯维修"}, url="https://example.org/r/1"
    )
    sandbox.grant_subscribe("o1", "sub-tpl", count=1)
    await wechat.send_subscribe("o1", "sub-tpl", {"thing1": {"value": "已完成"}}, page="pages/r")
    assert msgid > 0
    payloads = [m["payload"] for m in sandbox.sent]
    assert payloads[0] == {"touser": "o1", "msgtype": "image", "image": {"media_id": media_id}}
    assert payloads[1]["data"] == {"thing1": {"value": "路灯维修"}}
    assert payloads[1]["url"] == "https://example.org/r/1"
    assert payloads[2]["page"] == "pages/r"
    with pytest.raises(SubscribeRefused):
        await wechat.send_subscribe("o1", "sub-tpl", {"thing1": "再次"})


async def test_template_to_unfollowed_person(wechat: WeChatClient, sandbox: SandboxState):
    sandbox.set_following("o1", False)
    with pytest.raises(NotFollowing):
        await wechat.send_template("o1", TEMPLATE_ID, {"thing1": "x"})
    assert sandbox.calls["/cgi-bin/message/template/send"] == 1


async def test_media_roundtrip_and_expiry(wechat: WeChatClient, sandbox: SandboxState):
    media_id = await wechat.upload_media("image", "photo.jpg", JPEG, "image/jpeg")
    assert await wechat.download_media(media_id) == (JPEG, "image/jpeg")
    user_photo = sandbox.add_media(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")
    assert (await wechat.download_media(user_photo))[1] == "image/png"
    clock.advance(timedelta(days=3, seconds=1))
    with pytest.raises(InvalidMedia) as raised:
        await wechat.download_media(media_id)
    assert raised.value.code == 40007
    with pytest.raises(InvalidMedia):
        await wechat.download_media("no-such-media")
    assert sandbox.calls["/cgi-bin/media/get"] == 4


async def test_jscode2session(wechat: WeChatClient, sandbox: SandboxState):
    code = sandbox.issue_login_code("o-mini", unionid="u-1")
    session = await wechat.jscode2session(code)
    assert session["openid"] == "o-mini"
    assert session["unionid"] == "u-1"
    assert len(session["session_key"]) >= 16
    with pytest.raises(CodeUsed):
        await wechat.jscode2session(code)
    with pytest.raises(InvalidCode):
        await wechat.jscode2session("never-issued")
    assert sandbox.calls[TOKEN] == 0  # no access_token needed
    assert sandbox.calls["/sns/jscode2session"] == 3


async def test_jscode2session_wrong_secret(make_client: MakeClient, sandbox: SandboxState):
    code = sandbox.issue_login_code("o-mini")
    with pytest.raises(InvalidCredential) as raised:
        await make_client(secret="wrong").jscode2session(code)
    assert raised.value.code == 40125


# -- the Messenger port ----------------------------------------------------------------------


async def test_messenger_translates_errors(wechat: WeChatClient, sandbox: SandboxState):
    messenger = WeChatMessenger(wechat)
    with pytest.raises(DeliveryRefused) as refused:
        await messenger.send_text("o-never-wrote", "x")
    assert refused.value.code == 45015
    sandbox.observe_inbound("o1")
    sandbox.fail_next(CUSTOM, -1, times=3)
    with pytest.raises(DeliveryFailed):
        await messenger.send_text("o1", "x")
    await messenger.send_text("o1", "好的")
    assert [m["openid"] for m in sandbox.sent] == ["o1"]


async def test_token_is_reused_in_process_for_a_few_seconds(
    make_client: MakeClient, sandbox: SandboxState, wechat_kv
) -> None:
    remembering = make_client(token_policy=TokenPolicy(memo=60, wait=5.0, poll=0.005))
    first = await remembering.access_token()
    await wechat_kv.redis.delete(wechat_kv.key("wechat", "token", APPID))
    # Within the memo window no Redis read, so no new token either.
    assert await remembering.access_token() == first
    assert sandbox.calls["/cgi-bin/stable_token"] == 1
    forgetting = make_client(token_policy=TokenPolicy(memo=0, wait=5.0, poll=0.005))
    await forgetting.access_token()
    # It had to read Redis, found nothing and asked WeChat again.
    assert sandbox.calls["/cgi-bin/stable_token"] == 2
