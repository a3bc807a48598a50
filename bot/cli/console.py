"""``linli console link OPENID``: print a one-time sign-in link to the web console (指挥中心).

The same link a staff member gets by sending ``后台`` in chat: 5 minutes, single use. Links
are kept in the database, so this works against a running ``linli serve`` (same SQLite file
or PostgreSQL database).
"""

from __future__ import annotations

import argparse
import sys

from bot.cli.context import run_with_storage
from handlers.console_access import LINK_TTL, NotStaff, base_url, create_link, link_url


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("console", help="the web console (指挥中心)")
    sub = p.add_subparsers(dest="console_command", required=True, metavar="ACTION")
    link = sub.add_parser("link", help="print a one-time sign-in link for a staff member "
                                       "(5 minutes, single use)")
    link.add_argument("openid")
    link.add_argument("--base", metavar="URL",
                      help="where the console is reached (default: LINLI_PUBLIC_URL, else "
                           "http://127.0.0.1:8080)")
    link.set_defaults(func=run_link)


def run_link(args: argparse.Namespace) -> int:
    async def work(settings, _kv) -> str:
        token = await create_link(args.openid)
        return link_url(base_url(args.base or settings.public_url), token)

    try:
        url = run_with_storage(work)
    except NotStaff:
        print(f"error: {args.openid} is not a staff member (unknown openid, or a resident); "
              "bind staff with `linli staff invite` and 绑定 first", file=sys.stderr)
        return 1
    print(url)
    print(f"Valid {int(LINK_TTL.total_seconds() // 60)} minutes, once. Do not forward it.",
          file=sys.stderr)
    return 0
