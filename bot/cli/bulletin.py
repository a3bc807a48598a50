"""``linli bulletin [--week 2026-W47] [--send]``: the weekly bulletin (周通报)."""

from __future__ import annotations

import argparse
import sys

from bot.cli.context import run_with_storage
from handlers.reports.bulletin import notify as bulletin_notify
from handlers.reports.bulletin import queries as bulletin
from handlers.reports.bulletin import render as bulletin_render


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("bulletin", help="周通报: the weekly figures per grid and community")
    p.add_argument("--week", type=_week,
                   help="ISO week in Asia/Shanghai, e.g. 2026-W47 (default: last full week)")
    p.add_argument("--send", action="store_true",
                   help="also queue it for the community admins (once per week and person)")
    p.set_defaults(func=run)


def _week(text: str) -> str:
    try:
        bulletin.week_bounds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.upper()


def run(args: argparse.Namespace) -> int:
    week = args.week or bulletin.last_week()

    async def work(settings, _kv) -> tuple[str, int]:
        text, _figures = await bulletin_render.render(week)
        return text, (await bulletin_notify.send(week, settings.public_url) if args.send else 0)

    text, queued = run_with_storage(work)
    print(text)
    if args.send:
        print(f"\nqueued {queued} message(s) for the community admins", file=sys.stderr)
    return 0
