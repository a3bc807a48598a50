"""``linli sessions revoke OPENID``: sign a person out of the mini-program everywhere."""

from __future__ import annotations

import argparse

from bot.cli.context import run_with_storage
from storage import sessions


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("sessions", help="mini-program API sessions")
    sub = p.add_subparsers(dest="sessions_command", required=True, metavar="ACTION")
    r = sub.add_parser("revoke", help="end every API session of a person (a lost phone, "
                                      "someone leaving the staff)")
    r.add_argument("openid")
    r.set_defaults(func=run_revoke)


def run_revoke(args: argparse.Namespace) -> int:
    async def work(settings, kv):
        return await sessions.revoke_all(kv, args.openid)

    count = run_with_storage(work)
    print(f"revoked {count} session(s) of {args.openid}")
    return 0
