"""``linli sessions revoke OPENID``: sign a person out everywhere: the mini-program API and
the web console (指挥中心)."""

from __future__ import annotations

import argparse

from bot.cli.context import run_with_storage
from storage import console_sessions, sessions


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("sessions", help="mini-program API and console sessions")
    sub = p.add_subparsers(dest="sessions_command", required=True, metavar="ACTION")
    r = sub.add_parser("revoke", help="end every API and console session of a person (a lost "
                                      "phone, someone leaving the staff)")
    r.add_argument("openid")
    r.set_defaults(func=run_revoke)


def run_revoke(args: argparse.Namespace) -> int:
    async def work(settings, kv) -> tuple[int, int]:
        return (await sessions.revoke_all(kv, args.openid),
                await console_sessions.revoke_all(kv, args.openid))

    api, console = run_with_storage(work)
    print(f"revoked {api} session(s) of {args.openid} (mini-program API)")
    print(f"revoked {console} console session(s) of {args.openid}")
    return 0
