"""``linli wechat menu show|push``: the Official Account's custom menu from its data file.

``show`` prints the menu and checks it here (WeChat's limits, and that the bot answers every
key); ``push`` checks it, then creates it through WeChat's /cgi-bin/menu/create. WeChat shows
a new menu to followers within about 5 minutes (at once after unfollowing and following).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.wechat_api import add_service_url, failure, wechat_client
from bot.config import Settings
from bot.wechat import menu as menus
from bot.wechat.errors import WeChatError
from storage.kv import KV, create_redis


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("wechat", help="set up the Official Account (custom menu)")
    sub = p.add_subparsers(dest="wechat_command", required=True, metavar="WHAT")
    menu = sub.add_parser("menu", help="the custom menu under the chat")
    actions = menu.add_subparsers(dest="menu_command", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="print the menu file and check it")
    show.add_argument("--json", action="store_true", help="print the JSON push would send")
    push = actions.add_parser("push", help="check the menu file, then create it at WeChat")
    for parser in (show, push):
        parser.add_argument("--file", type=Path, default=menus.DEFAULT_MENU, metavar="FILE",
                            help="the menu (menu/create's JSON; default: the one linli ships)")
    add_service_url(push)
    show.set_defaults(func=run_show)
    push.set_defaults(func=run_push)


def checked(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """The menu in ``path`` and what is wrong with it (WeChat's limits, unanswered keys)."""
    from handlers.routes import click_keys

    try:
        menu = menus.load(path)
    except menus.MenuError as exc:
        return None, [str(exc)]
    return menu, menus.problems(menu, click_keys())


def run_show(args: argparse.Namespace) -> int:
    menu, problems = checked(args.file)
    if menu is not None and args.json:
        print(json.dumps(menu, ensure_ascii=False, indent=2))
    elif menu is not None:
        print(render(menu))
    return _report(problems, menu, f"{args.file}: valid (within WeChat's limits, and the bot "
                   "answers every key)")


def render(menu: dict[str, Any]) -> str:
    lines = []
    for button in menu.get("button", []):
        if not isinstance(button, dict):
            continue
        subs = button.get("sub_button") or []
        if subs:
            lines.append(str(button.get("name")))
        for item in subs or [button]:
            if isinstance(item, dict):
                indent = "  " if subs else ""
                lines.append(f"{indent}{item.get('name')}\t{_action(item)}")
    return "\n".join(lines)


def _action(item: dict[str, Any]) -> str:
    kind = item.get("type")
    if kind == "click":
        return f"click {item.get('key')}"
    if kind == "miniprogram":
        return f"miniprogram {item.get('appid')} {item.get('pagepath')}"
    return f"{kind} {item.get('url', '')}".strip()


def _report(problems: list[str], menu: dict[str, Any] | None, fine: str) -> int:
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    for warning in menus.warnings(menu or {}):
        print(f"warning: {warning}", file=sys.stderr)
    print(fine, file=sys.stderr)
    return 0


def run_push(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    menu, problems = checked(args.file)
    if menu is None or problems:
        return _report(problems, menu, "")
    try:
        asyncio.run(push(settings, menu, args.url))
    except WeChatError as exc:
        print(failure("the menu", exc, settings, args.url), file=sys.stderr)
        return 1
    count = sum(1 for _ in menus.items(menu))
    print(f"menu pushed to {settings.wechat_appid}: {len(menu['button'])} buttons, {count} "
          "actions. Followers see it within 5 minutes (unfollow and follow again to see it now).")
    return 0


async def push(settings: Settings, menu: dict[str, Any], service_url: str) -> None:
    kv = KV(create_redis(settings.redis_url), settings.redis_prefix)
    try:
        async with wechat_client(settings, kv, service_url) as client:
            await client.menu_create(menu)
    finally:
        await kv.close()
