"""``linli sessions revoke OPENID``: sign a person out everywhere: the mini-program API and
the web console (指挥中心), and the console sign-in links they have not used yet.

Sessions live in Redis. With the in-process Redis (LINLI_REDIS_URL unset, as ``make run``)
they live inside the running ``linli serve`` and no other process can reach them: the
command says so and exits 1 (only the unused sign-in links, kept in the database, are
cancelled). Restarting ``linli serve`` ends every in-process session.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli.context import run_with_storage
from bot.cli.output import add_json_flag, print_json
from storage import clock, console_sessions, sessions
from storage.core.models.console import ConsoleLink

EMBEDDED = ("error: LINLI_REDIS_URL is unset: sessions live in the in-process Redis of the "
            "running `linli serve`, which another process cannot reach, so no API or console "
            "session was revoked. Restart `linli serve` to end them all, or set LINLI_REDIS_URL "
            "(a shared Redis) for both.")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("sessions", help="mini-program API and console sessions")
    sub = p.add_subparsers(dest="sessions_command", required=True, metavar="ACTION")
    r = sub.add_parser("revoke", help="end every API and console session of a person (a lost "
                                      "phone, someone leaving the staff)")
    r.add_argument("openid")
    add_json_flag(r)
    r.set_defaults(func=run_revoke)


async def _cancel_links(openid: str) -> int:
    now = clock.now()
    return await ConsoleLink.filter(openid=openid, used_at=None, expires_at__gt=now).update(
        expires_at=now)


def run_revoke(args: argparse.Namespace) -> int:
    async def work(settings, kv) -> tuple[bool, int, int, int]:
        links = await _cancel_links(args.openid)
        if settings.embedded_redis:
            return False, 0, 0, links
        return (True, await sessions.revoke_all(kv, args.openid),
                await console_sessions.revoke_all(kv, args.openid), links)

    reached, api, console, links = run_with_storage(work)
    if args.json:
        print_json({"openid": args.openid, "sessions_reached": reached, "api": api,
                    "console": console, "sign_in_links": links})
    if not reached:
        if not args.json:
            print(f"cancelled {links} unused console sign-in link(s) of {args.openid}")
        print(EMBEDDED, file=sys.stderr)
        return 1
    if not args.json:
        print(f"revoked {api} session(s) of {args.openid} (mini-program API)")
        print(f"revoked {console} console session(s) of {args.openid}")
        print(f"cancelled {links} unused console sign-in link(s) of {args.openid}")
    return 0
