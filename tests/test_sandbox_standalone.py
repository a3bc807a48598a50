"""``linli sandbox``: the WeChat sandbox as its own process, in-process parts (the settings
that point ``linli serve`` at it, where it may listen, the apps it plays, ``/_sandbox/inbound``
and ``linli chat`` telling it who wrote). tests/test_media_nodes.py runs it for real."""

from __future__ import annotations

import aiohttp
import pytest

from bot.config import (
    SANDBOX_APPID,
    SANDBOX_SECRET,
    SANDBOX_TEMPLATE,
    SANDBOX_TOKEN,
    ConfigError,
    Settings,
)
from bot.sandbox import INBOUND_PATH, create_sandbox_app
from bot.sandbox.standalone import check, state_for
from bot.simulator import Simulator
from tests.support.cli import run_cli

SHARED = {"LINLI_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
          "LINLI_REDIS_URL": "redis://127.0.0.1:6379/0"}
STANDALONE = {**SHARED, "LINLI_WECHAT_API_BASE": "http://127.0.0.1:8081",
              "LINLI_WECHAT_SECRET": SANDBOX_SECRET}


def test_workers_on_the_built_in_sandbox_are_told_how_to_run_it_apart():
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(SHARED).check_workers(2)
    message = str(refused.value)
    assert "`linli sandbox --port 8081`" in message
    assert (f"`LINLI_WECHAT_API_BASE=http://127.0.0.1:8081 LINLI_WECHAT_SECRET={SANDBOX_SECRET} "
            "linli serve --workers 2`") in message


def test_the_command_it_prints_is_accepted_by_serve():
    settings = Settings.from_env(STANDALONE)
    settings.check_workers(2)
    settings.check_host("127.0.0.1")
    assert not settings.sandbox
    assert (settings.wechat_appid, settings.wechat_token, settings.template_progress) == (
        SANDBOX_APPID, SANDBOX_TOKEN, SANDBOX_TEMPLATE)
    mine = Settings.from_env({**STANDALONE, "LINLI_WECHAT_TOKEN": "mytoken1",
                              "LINLI_WECHAT_APPID": "wx0123456789abcdef"})
    assert (mine.wechat_appid, mine.wechat_token) == ("wx0123456789abcdef", "mytoken1")
    real = Settings.from_env({**SHARED, "LINLI_WECHAT_API_BASE": "https://api.weixin.qq.com",
                              "LINLI_WECHAT_SECRET": "a-real-secret",
                              "LINLI_WECHAT_TOKEN": "tok123",
                              "LINLI_WECHAT_APPID": "wx0123456789abcdef"})
    assert real.template_progress is None  # the sandbox's template only with its secret


def test_the_sandbox_secret_is_refused_against_the_real_api():
    with pytest.raises(ConfigError, match="linli sandbox"):
        Settings.from_env({"LINLI_WECHAT_SECRET": SANDBOX_SECRET})


def test_it_listens_on_loopback_only_unless_public():
    settings = Settings.from_env({})
    check(settings, "127.0.0.1")
    check(settings, "::1")
    with pytest.raises(ConfigError, match="LINLI_SANDBOX_PUBLIC=1"):
        check(settings, "0.0.0.0")
    check(Settings.from_env({"LINLI_SANDBOX_PUBLIC": "1"}), "0.0.0.0")
    real = Settings.from_env({"LINLI_WECHAT_SECRET": "a-real-secret",
                              "LINLI_WECHAT_TOKEN": "tok123",
                              "LINLI_WECHAT_APPID": "wx0123456789abcdef"})
    with pytest.raises(ConfigError, match="real WeChat API"):
        check(real, "127.0.0.1")


def test_it_plays_the_configured_apps_and_templates():
    state = state_for(Settings.from_env({}))
    assert state.apps == {SANDBOX_APPID: SANDBOX_SECRET}
    assert state.templates == {SANDBOX_TEMPLATE}
    both = state_for(Settings.from_env({
        **STANDALONE, "LINLI_MINIAPP_APPID": "wx3c0ffee000000001",
        "LINLI_MINIAPP_SECRET": "mp-secret", "LINLI_WECHAT_TEMPLATE_PROGRESS": "tpl-1",
        "LINLI_WECHAT_SUBSCRIBE_PROGRESS": "sub-1"}))
    assert both.apps == {SANDBOX_APPID: SANDBOX_SECRET, "wx3c0ffee000000001": "mp-secret"}
    assert both.templates == {"tpl-1"} and "sub-1" in both.subscribe_templates


async def test_the_simulator_tells_a_standalone_sandbox_who_wrote(aiohttp_server):
    state = state_for(Settings.from_env({}))
    sandbox = await aiohttp_server(create_sandbox_app(state))
    base = str(sandbox.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as http:
        for bad in (b"{}", b"not json", b'{"openid": ""}'):
            async with http.post(base + INBOUND_PATH, data=bad) as r:
                assert r.status == 400
        settings = Settings.from_env({"LINLI_WECHAT_API_BASE": base,
                                      "LINLI_WECHAT_SECRET": SANDBOX_SECRET})
        # linli itself is not running: the callback fails, the sandbox was told all the same.
        sim = Simulator("http://127.0.0.1:9", "o-sim", settings, False, http)
        assert sim.sandbox_url == base
        with pytest.raises(aiohttp.ClientError):
            await sim.line("帮助")
    assert "o-sim" in state.inbound and state.cs_sent["o-sim"] == 0
    built_in = Simulator("http://127.0.0.1:8080", "o-sim", Settings.from_env({}), False, None)
    assert built_in.sandbox_url == "http://127.0.0.1:8080/sandbox/wechat"


async def test_the_command_refuses_a_public_address():
    out = await run_cli("sandbox", "--host", "0.0.0.0", "--port", "9",
                        env={"LINLI_SANDBOX_PUBLIC": "", "LINLI_WECHAT_API_BASE": "",
                             "LINLI_WECHAT_SECRET": ""})
    assert out.code == 2 and "LINLI_SANDBOX_PUBLIC=1" in out.err
