"""``linli chat``: talk to a running linli as a WeChat user would."""

from __future__ import annotations

import argparse
import getpass


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("chat", help="terminal chat as a WeChat user (simulator)")
    p.add_argument("--url", default="http://127.0.0.1:8080", help="the running service")
    p.add_argument("--openid", default=f"sim-{getpass.getuser()}",
                   help="who you are (demo staff: demo-admin, demo-grid-g01, …)")
    p.add_argument("--aes", action="store_true",
                   help="secure mode: encrypt with LINLI_WECHAT_AES_KEY")
    p.set_defaults(func=run_chat)


def run_chat(args: argparse.Namespace) -> int:
    from bot.simulator import run

    return run(args.url, args.openid, args.aes)
