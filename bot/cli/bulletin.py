"""``linli bulletin [--week 2026-W47] [--send]``: the weekly bulletin (周通报)."""

from __future__ import annotations

import argparse
import sys

from bot.cli.context import run_with_storage
from bot.cli.output import add_json_flag, print_json
from handlers.reports.bulletin import notify as bulletin_notify
from handlers.reports.bulletin import queries as bulletin
from handlers.reports.bulletin import render as bulletin_render
from storage import clock


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("bulletin", help="周通报: the weekly figures per grid and community")
    p.add_argument("--week", type=_week,
                   help="ISO week in Asia/Shanghai, e.g. 2026-W47 (default: last full week)")
    p.add_argument("--send", action="store_true",
                   help="also queue it for the community admins (once per week and person)")
    add_json_flag(p)
    p.set_defaults(func=run)


def _week(text: str) -> str:
    try:
        bulletin.week_bounds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.upper()


def run(args: argparse.Namespace) -> int:
    week = args.week or bulletin.last_week()

    async def work(settings, _kv) -> tuple[str, bulletin.Figures, int]:
        text, figures = await bulletin_render.render(week)
        queued = await bulletin_notify.send(week, settings.public_url) if args.send else 0
        return text, figures, queued

    text, figures, queued = run_with_storage(work)
    if args.json:
        print_json(_document(text, figures, queued if args.send else None))
    else:
        print(text)
    if args.send:
        print(f"\nqueued {queued} message(s) for the community admins", file=sys.stderr)
    return 0


def _unit(unit: bulletin.Unit) -> dict:
    return {"code": unit.code, "name": unit.name, "community": unit.community,
            "cases": unit.cases, "resolved": unit.resolved, "on_time": unit.on_time,
            "median_accept_hours": unit.median_accept,
            "median_resolve_hours": unit.median_resolve, "sla_share": unit.sla_share,
            "reopen_rate": unit.reopen_rate, "satisfaction": unit.satisfaction}


def _document(text: str, f: bulletin.Figures, queued: int | None) -> dict:
    """The week's figures as the text gives them (units in the text's order), and the text."""
    order = bulletin_render.in_order
    return {"week": f.week, "since": clock.local(f.since), "until": clock.local(f.until),
            "total": _unit(f.total),
            "communities": [_unit(u) for u in order(f.communities.values())],
            "grids": [_unit(u) for u in order(f.grids.values())],
            "queued": queued, "text": text}
