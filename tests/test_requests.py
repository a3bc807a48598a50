"""Every request: X-Forwarded-* and X-Request-ID believed from trusted proxies only
(LINLI_TRUSTED_PROXIES, bot.proxies), a request id in every response, one access-log line.

The middleware is tried on a small app of its own (no database: fast); the service's own
routes (webhook, API rate limits, console, Open311 links) behind a proxy are below it.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from aiohttp import web

from bot import requests as bot_requests
from bot.console.session import COOKIE
from bot.logs import JsonFormatter
from bot.proxies import TrustedProxies, from_settings
from handlers import console_access
from storage.core.models import Person, Role
from storage.core.models.console import AuditEntry

GENERATED = re.compile(r"[0-9a-f]{16}")
PROXY = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
         "X-Forwarded-Host": "public.example", "X-Request-ID": "edge-42.a_B"}


async def _echo(request: web.Request) -> web.Response:
    return web.json_response({"remote": request.remote, "scheme": request.scheme,
                              "host": request.host})


async def _broken(request: web.Request) -> web.Response:
    raise RuntimeError("boom")


async def _missing(request: web.Request) -> web.Response:
    raise web.HTTPNotFound(text="no such thing")


async def _streamed(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    await response.write(b"a,b\n")
    return response


async def _token(request: web.Request) -> web.Response:
    return web.Response(text="ok")


@pytest.fixture
def small_app(aiohttp_client):
    async def make(proxies: tuple[str, ...] = ()):
        app = web.Application()
        bot_requests.install(app, from_settings(proxies))
        app.router.add_get("/echo", _echo)
        app.router.add_get("/broken", _broken)
        app.router.add_get("/missing", _missing)
        app.router.add_get("/streamed", _streamed)
        app.router.add_get("/privacy/export/{token}", _token)
        return await aiohttp_client(app)
    return make


def _access(caplog) -> list[dict]:
    return [json.loads(JsonFormatter().format(r)) for r in caplog.records
            if r.name == "linli.access"]


@pytest.mark.parametrize("proxies", [(), ("10.0.0.0/8", "192.0.2.1")])
async def test_forwarded_headers_from_anyone_else_are_ignored(small_app, proxies):
    client = await small_app(proxies)
    r = await client.get("/echo", headers=PROXY)
    assert await r.json() == {"remote": "127.0.0.1", "scheme": "http",
                              "host": f"127.0.0.1:{client.port}"}
    assert GENERATED.fullmatch(r.headers["X-Request-ID"])  # theirs is not believed either


async def test_a_trusted_proxy_gives_the_client_scheme_host_and_request_id(small_app):
    client = await small_app(("127.0.0.0/8",))
    r = await client.get("/echo", headers=PROXY)
    assert await r.json() == {"remote": "203.0.113.7", "scheme": "https",
                              "host": "public.example"}
    assert r.headers["X-Request-ID"] == "edge-42.a_B"
    # An address the client wrote itself is left of the one the proxy appended: not taken.
    r = await client.get("/echo", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.9"})
    assert (await r.json())["remote"] == "203.0.113.9"
    # A chain of trusted proxies: the first untrusted address from the right is the client.
    r = await client.get("/echo", headers={"X-Forwarded-For": "203.0.113.8, 127.0.0.5"})
    assert (await r.json())["remote"] == "203.0.113.8"
    # No X-Forwarded-For: the peer itself.
    assert (await (await client.get("/echo")).json())["remote"] == "127.0.0.1"


@pytest.mark.parametrize("given", ["x" * 65, "has space", "semi;colon", "", "ünïcode"])
async def test_an_insane_request_id_is_replaced(small_app, given):
    client = await small_app(("127.0.0.1",))
    r = await client.get("/echo", headers={"X-Request-ID": given})
    assert GENERATED.fullmatch(r.headers["X-Request-ID"])


async def test_every_answer_has_a_request_id_and_one_access_line(small_app, caplog):
    caplog.set_level(logging.INFO)
    client = await small_app(("127.0.0.1",))
    answers = {}
    for path in ("/echo", "/missing", "/broken", "/streamed", "/nowhere"):
        caplog.clear()
        r = await client.get(path + "?signature=s3cr3t&api_key=k3y", headers={
            "X-Forwarded-For": "198.51.100.4"})
        answers[path] = r.status
        rid = r.headers["X-Request-ID"]
        await r.read()
        lines = _access(caplog)
        assert len(lines) == 1, (path, lines)
        line = lines[0]
        assert line["request_id"] == rid and line["status"] == r.status
        assert line["method"] == "GET" and line["path"] == path
        assert line["remote"] == "198.51.100.4" and line["duration_ms"] >= 0
        text = json.dumps(line)
        assert "s3cr3t" not in text and "k3y" not in text
    assert answers == {"/echo": 200, "/missing": 404, "/broken": 500, "/streamed": 200,
                       "/nowhere": 404}


async def test_access_line_fields_and_a_token_in_the_path(small_app, caplog):
    caplog.set_level(logging.INFO)
    client = await small_app()
    r = await client.get("/echo")
    body = await r.read()
    [line] = _access(caplog)
    assert line["route"] == "/echo" and line["bytes"] == len(body)
    assert line["remote"] == "127.0.0.1" and line["msg"] == "request"
    caplog.clear()
    await client.get("/privacy/export/one-time-secret-token")
    [line] = _access(caplog)
    assert line["path"] == "/privacy/export/{token}" and "one-time" not in json.dumps(line)


async def test_a_malformed_header_from_the_proxy_is_a_bad_request(small_app):
    client = await small_app(("127.0.0.1",))
    r = await client.get("/echo", headers={"X-Forwarded-For": "not-an-address"})
    assert r.status == 400 and GENERATED.fullmatch(r.headers["X-Request-ID"])


def test_addresses_and_networks_of_the_setting():
    proxies = TrustedProxies(["10.1.2.3/8", "::1", "192.0.2.1"])

    class Peer:
        def __init__(self, remote):
            self.remote = remote

    assert proxies.trusts(Peer("10.200.0.1")) and proxies.trusts(Peer("::1"))
    assert proxies.trusts(Peer("::ffff:192.0.2.1"))  # IPv4 seen through a dual-stack socket
    assert not proxies.trusts(Peer("192.0.2.2")) and not proxies.trusts(Peer(None))
    assert from_settings(()) is None


# -- the service behind a proxy -------------------------------------------------------------

async def test_webhook_replies_carry_the_request_id_of_every_log_line(make_bot, caplog):
    caplog.set_level(logging.INFO)
    bot = await make_bot(trusted_proxies=("127.0.0.1",))
    from bot import callbacks

    r = await bot.client.post("/wechat", params=bot.query("o-rid"),
                              data=callbacks.text("o-rid", "帮助").encode(),
                              headers={"X-Request-ID": "wx-edge-1"})
    assert r.status == 200 and "功能菜单" in callbacks.reply_text(None, await r.text(), {})
    assert r.headers["X-Request-ID"] == "wx-edge-1"
    lines = [json.loads(JsonFormatter().format(rec)) for rec in caplog.records]
    # One line for the callback: the access log's, with the message's kind and fate.
    # (aiohttp.access: the test server's own access log; `linli serve` runs without it)
    [access] = [line for line in lines if line["request_id"] == "wx-edge-1"
                and line["logger"] != "aiohttp.access"]
    assert access["logger"] == "linli.access" and access["path"] == "/wechat"
    assert access["route"] == "/wechat" and access["status"] == 200
    assert (access["kind"], access["repeat"], access["late"]) == ("text", False, False)
    assert "o-rid" not in json.dumps(lines)


async def test_api_rate_limits_count_the_client_behind_the_proxy(make_bot):
    bot = await make_bot(trusted_proxies=("127.0.0.1",), api_rate_ip=2)

    async def status(client_address: str) -> int:
        r = await bot.client.get("/api/v1/privacy",
                                 headers={"X-Forwarded-For": client_address})
        return r.status

    assert [await status("203.0.113.1") for _ in range(3)] == [200, 200, 429]
    assert await status("203.0.113.2") == 200  # another client, its own allowance


async def test_api_rate_limits_ignore_forwarded_for_from_elsewhere(make_bot):
    bot = await make_bot(api_rate_ip=2)
    codes = [(await bot.client.get("/api/v1/privacy",
                                   headers={"X-Forwarded-For": f"203.0.113.{i}"})).status
             for i in range(3)]
    assert codes == [200, 200, 429]  # one peer, whatever it claims


async def _login(bot, headers: dict[str, str]):
    await Person.create(openid="o-proxy-admin", role=Role.ADMIN, name="代理测试")
    token = await console_access.create_link("o-proxy-admin")
    return await bot.client.post("/console/login", data={"t": token}, headers=headers,
                                 allow_redirects=False)


async def test_console_sign_in_behind_an_https_proxy(make_bot):
    bot = await make_bot(trusted_proxies=("127.0.0.1",))
    r = await _login(bot, {"Origin": "https://public.example", **PROXY})
    assert r.status == 303, await r.text()
    cookie = r.cookies[COOKIE]
    assert cookie["secure"] and cookie["httponly"]
    entry = await AuditEntry.get(actor_openid="o-proxy-admin", action="login")
    assert entry.ip == "203.0.113.7"


async def test_console_refuses_the_proxy_headers_of_an_untrusted_peer(make_bot):
    bot = await make_bot(trusted_proxies=("10.0.0.0/8",))
    # The Host header alone does not make http://... an https origin.
    r = await _login(bot, {"Origin": "https://public.example", "Host": "public.example",
                           **PROXY})
    assert r.status == 403
    assert not await AuditEntry.filter(actor_openid="o-proxy-admin").exists()


@pytest.mark.parametrize(("public_url", "expected"), [
    ("", "https://public.example/open311/v2"),
    ("https://linli.example.gov.cn", "https://linli.example.gov.cn/open311/v2"),
])
async def test_open311_discovery_links_behind_a_proxy(make_bot, public_url, expected):
    bot = await make_bot(trusted_proxies=("127.0.0.1",), public_url=public_url)
    doc = await (await bot.client.get("/open311/v2/discovery.json", headers=PROXY)).json()
    assert {e["url"] for e in doc["endpoints"]} == {expected}
