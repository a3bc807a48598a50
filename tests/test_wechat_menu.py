"""The custom menu: the shipped file within WeChat's limits and answered by the bot, the
sandbox's menu/create and menu/get with WeChat's error codes, and ``linli wechat menu``."""

from __future__ import annotations

import asyncio
import copy
import json
import os
from pathlib import Path

import aiohttp
import fakeredis
import pytest

from bot.cli import main
from bot.cli.wechat_api import SANDBOX_PATH
from bot.config import SANDBOX_APPID, SANDBOX_SECRET
from bot.wechat import menu as menus
from bot.wechat.client import WeChatClient
from bot.wechat.errors import WeChatError
from bot.wechat.retry import RetryPolicy
from handlers.routes import click_keys
from storage.kv import KV

SHIPPED = menus.load()
TYPES = {"click": ("key",), "view": ("url",), "miniprogram": ("url", "appid", "pagepath")}


def test_every_key_of_the_shipped_menu_is_answered_and_within_wechats_limits():
    handled = click_keys()
    buttons = SHIPPED["button"]
    assert 1 <= len(buttons) <= 3
    keys = []
    for button in buttons:
        assert 1 <= len(button["name"].encode()) <= 16, button["name"]
        subs = button.get("sub_button") or [button]
        assert len(subs) <= 5
        for item in subs:
            assert 1 <= len(item["name"].encode()) <= (60 if item is not button else 16)
            assert all(item.get(field) for field in TYPES[item["type"]]), item
            if item["type"] == "click":
                assert len(item["key"].encode()) <= 128
                keys.append(item["key"])
    assert set(keys) <= handled, set(keys) - handled
    assert {"REPORT", "HELP", "POINTS", "WISH_POST"} <= set(keys)
    assert menus.problems(SHIPPED, handled) == []


def test_the_bot_answers_a_menu_key_with_its_flow_not_the_help():
    """click_keys is what the router does: a key it lists enters a flow (HELP: the menu)."""
    from handlers.engine import HELP_KEY
    from handlers.routes import build_router

    router = build_router()
    assert HELP_KEY in click_keys()
    assert {k for f in router.flows.values() for k in f.clicks} == click_keys() - {HELP_KEY}


def _menu(*buttons: dict) -> dict:
    return {"button": list(buttons)}


def click(name: str, key: str) -> dict:
    return {"type": "click", "name": name, "key": key}


@pytest.mark.parametrize(("menu", "says"), [
    (_menu(*[click("帮助", "HELP")] * 4), "1-3 buttons"),
    (_menu({"name": "我的", "sub_button": [click("帮助", "HELP")] * 6}), "1-5 sub-buttons"),
    (_menu(click("随手拍随手拍", "REPORT")), "18 bytes"),
    (_menu({"name": "我的", "sub_button": [click("帮" * 21, "HELP")]}), "63 bytes"),
    (_menu(click("帮助", "NOT_A_KEY")), "does not answer the key 'NOT_A_KEY'"),
    (_menu(click("帮助", "K" * 129)), "longer than 128 bytes"),
    (_menu({"type": "scancode_push", "name": "扫码", "key": "HELP"}), "not one linli pushes"),
    (_menu({"type": "view", "name": "网页", "url": "ftp://x"}), "http:// or https://"),
    (_menu({"type": "miniprogram", "name": "小程序", "url": "https://x.cn",
            "appid": "wx0123456789abcdef"}), "needs a pagepath"),
    (_menu({"name": "我的", "type": "click", "key": "HELP", "sub_button": [click("帮助", "HELP")]}),
     "takes no type or key"),
])
def test_the_checks_name_what_wechat_would_refuse(menu, says):
    found = menus.problems(menu, click_keys())
    assert any(says in problem for problem in found), found


def test_long_names_warn_they_will_be_cut():
    menu = _menu({"name": "邻里随手拍", "sub_button": [click("拍一拍身边的小问题", "REPORT")]})
    assert menus.problems(menu, click_keys()) == []
    assert len(menus.warnings(menu)) == 2 and menus.warnings(SHIPPED) == []


def test_the_cli_reaches_the_services_own_sandbox():
    from bot.app import SANDBOX_PATH as APP_PATH

    assert SANDBOX_PATH == APP_PATH


@pytest.fixture
async def client(sandbox):
    kv = KV(fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer()), "linli-t-menu:")
    async with aiohttp.ClientSession() as http:
        yield WeChatClient(http, kv, SANDBOX_APPID, SANDBOX_SECRET, sandbox.url,
                           retry=RetryPolicy(attempts=1))
    await kv.close()


async def test_menu_create_then_get(client, sandbox):
    assert await client.menu_get() is None  # 46003 "menu no exist"
    await client.menu_create(SHIPPED)
    assert sandbox.state.menu == SHIPPED
    assert await client.menu_get() == SHIPPED


def _broken(path: tuple, value: object) -> dict:
    menu = copy.deepcopy(SHIPPED)
    target = menu
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return menu


@pytest.mark.parametrize(("menu", "code"), [
    (_broken(("button",), SHIPPED["button"] * 2), 40016),
    (_broken(("button", 0, "name"), "随手拍随手拍"), 40018),
    (_broken(("button", 0, "sub_button"), [click("帮助", "HELP")] * 6), 40023),
    (_broken(("button", 0, "sub_button", 0, "type"), "tap"), 40024),
    (_broken(("button", 0, "sub_button", 0, "name"), "拍" * 21), 40025),
    (_broken(("button", 0, "sub_button", 0, "key"), "K" * 129), 40026),
    (_broken(("button", 2), {"type": "view", "name": "网页", "url": ""}), 40020),
    (_broken(("button", 2), {"type": "nope", "name": "网页"}), 40017),
    (_broken(("button", 2), {"type": "miniprogram", "name": "小程序", "url": "https://x.cn",
                             "appid": "wx0123456789abcdef"}), 40165),
])
async def test_the_sandbox_refuses_as_wechat_does(client, sandbox, menu, code):
    with pytest.raises(WeChatError) as caught:
        await client.menu_create(menu)
    assert caught.value.code == code
    assert sandbox.state.menu is None


async def test_chinese_escaped_as_uxxxx_is_refused(client, sandbox):
    token = await client.access_token()
    async with aiohttp.ClientSession() as http:
        resp = await http.post(f"{sandbox.url}/cgi-bin/menu/create",
                               params={"access_token": token}, data=json.dumps(SHIPPED))
        assert (await resp.json())["errcode"] == 40033
        missing = await http.post(f"{sandbox.url}/cgi-bin/menu/create", data=b"{}")
        assert (await missing.json())["errcode"] == 41001


@pytest.fixture
def cli_env(sandbox, monkeypatch):
    """``linli`` run in-process (in a thread, beside the sandbox's event loop) against the
    test's sandbox server as if it were WeChat's API."""
    for name in list(os.environ):
        if name.startswith("LINLI_"):
            monkeypatch.delenv(name)
    for name, value in {"LINLI_WECHAT_API_BASE": sandbox.url, "LINLI_WECHAT_APPID": SANDBOX_APPID,
                        "LINLI_WECHAT_SECRET": SANDBOX_SECRET,
                        "LINLI_WECHAT_TOKEN": "linlisandboxtoken"}.items():
        monkeypatch.setenv(name, value)


async def linli(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


async def test_menu_show(cli_env, capsys, tmp_path):
    assert await linli("wechat", "menu", "show") == 0
    out, err = capsys.readouterr()
    assert "  我的上报\tclick REPORT_MINE" in out and "valid" in err
    assert await linli("wechat", "menu", "show", "--json") == 0
    assert json.loads(capsys.readouterr().out) == SHIPPED
    bad = tmp_path / "menu.json"
    bad.write_text(json.dumps(_menu(click("帮助", "NOT_A_KEY"))), encoding="utf-8")
    assert await linli("wechat", "menu", "show", "--file", str(bad)) == 1
    assert "does not answer the key 'NOT_A_KEY'" in capsys.readouterr().err


async def test_menu_push(cli_env, sandbox, capsys, tmp_path):
    assert await linli("wechat", "menu", "push") == 0
    assert sandbox.state.menu == SHIPPED
    assert "menu pushed to" in capsys.readouterr().out

    other = _menu(click("帮助", "HELP"))
    path = tmp_path / "menu.json"
    path.write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    sandbox.state.fail_next("/cgi-bin/menu/create", 48001)
    assert await linli("wechat", "menu", "push", "--file", str(path)) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: WeChat refused the menu: 48001 api unauthorized (")
    assert "certified service account" in err and "\n" not in err
    assert sandbox.state.menu == SHIPPED  # unchanged

    assert await linli("wechat", "menu", "push", "--file", str(path)) == 0
    assert sandbox.state.menu == other
    calls = sandbox.state.calls["/cgi-bin/menu/create"]
    path.write_text("{not json", encoding="utf-8")
    assert await linli("wechat", "menu", "push", "--file", str(path)) == 1
    assert "is not JSON" in capsys.readouterr().err
    assert sandbox.state.calls["/cgi-bin/menu/create"] == calls  # checked here, never sent


async def test_menu_push_says_when_the_service_is_not_running(monkeypatch, capsys):
    for name in list(os.environ):
        if name.startswith("LINLI_"):
            monkeypatch.delenv(name)
    # Sandbox mode: the sandbox lives in `linli serve`; nothing listens on port 1.
    assert await linli("wechat", "menu", "push", "--url", "http://127.0.0.1:1") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the sandbox at http://127.0.0.1:1/sandbox/wechat")
    assert "linli serve" in err and err.count("\n") == 1


def test_menu_file_is_installed_with_the_package():
    assert Path(menus.DEFAULT_MENU).is_file()
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    assert '"*" = ["*.json"' in pyproject


def test_the_web_chat_shows_the_pushed_menu_else_the_shipped_one():
    from bot.sandbox import SandboxState
    from bot.sandbox.chat import menu_groups

    state = SandboxState(SANDBOX_APPID, SANDBOX_SECRET)
    groups = menu_groups(state)
    assert [g["name"] for g in groups] == [b["name"] for b in SHIPPED["button"]]
    assert {i["key"] for g in groups for i in g["items"]} == {
        item["key"] for _, item in menus.items(SHIPPED)}
    state.menus[SANDBOX_APPID] = _menu(click("帮助", "HELP"))
    assert menu_groups(state) == [{"name": "帮助", "items": [{"name": "帮助", "key": "HELP"}]}]
