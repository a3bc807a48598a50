"""``linli wishes list|approve|reject|stats``: moderating 微心愿 from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta

from tortoise.transactions import in_transaction

from bot.cli.context import run_with_storage
from handlers.wishes import queries
from handlers.wishes.errors import WishError
from handlers.wishes.parse import wish_number
from handlers.wishes.service import posting
from storage import clock
from storage.core.models import Wish, WishStatus


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("wishes", help="微心愿: list, approve, reject, bulletin counts")
    sub = p.add_subparsers(dest="wishes_command", required=True, metavar="ACTION")
    ls = sub.add_parser("list", help="list wishes (never phone numbers or addresses)")
    ls.add_argument("--status", choices=[s.value for s in WishStatus])
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.set_defaults(func=run_list)
    ok = sub.add_parser("approve", help="approve a submitted wish: it goes on the wall")
    ok.add_argument("number", type=_number, help="e.g. W12")
    ok.add_argument("--grid", help="the grid it belongs to (its grid worker may confirm)")
    ok.set_defaults(func=run_approve)
    no = sub.add_parser("reject", help="return a submitted wish to its poster")
    no.add_argument("number", type=_number)
    no.add_argument("--reason", required=True, help="told to the poster")
    no.set_defaults(func=run_reject)
    st = sub.add_parser("stats", help="fulfilled wishes per volunteer and community")
    st.add_argument("--days", type=int, default=7, help="confirmed in the last N days")
    st.set_defaults(func=run_stats)


def _number(text: str) -> int:
    number = wish_number(text)
    if number is None:
        raise argparse.ArgumentTypeError(f"not a wish number: {text!r} (expected e.g. W12)")
    return number


def _row(w: Wish) -> dict:
    return {"number": w.number, "status": w.status.value, "kind": w.kind.value,
            "title": w.title, "community": w.community, "grid": w.grid,
            "poster": w.poster_openid, "on_behalf": w.on_behalf, "claimant": w.claimant_openid,
            "claim_expires_at": w.claim_expires_at.isoformat() if w.claim_expires_at else None,
            "needed_by": w.needed_by.isoformat() if w.needed_by else None,
            "created_at": w.created_at.isoformat(), "points": w.points}


def run_list(args: argparse.Namespace) -> int:
    async def work(_settings, _kv) -> list[dict]:
        query = Wish.filter(status=args.status) if args.status else Wish.all()
        return [_row(w) for w in await query.order_by("id")]

    rows = run_with_storage(work)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"{r['number']:<6} {r['status']:<10} {r['kind']:<12} {r['title']}  "
              f"[{r['community'] or '-'} / {r['grid'] or '-'}]")
    return 0


def _change(work) -> int:
    async def run(_settings, _kv) -> Wish:
        async with in_transaction():
            return await work()

    try:
        wish = run_with_storage(run)
    except WishError as exc:
        print(f"error ({exc.code}): {exc.reply}", file=sys.stderr)
        return 1
    print(f"{wish.number} is now {wish.status.value}")
    return 0


def run_approve(args: argparse.Namespace) -> int:
    return _change(lambda: posting.approve(args.number, "cli", grid=args.grid))


def run_reject(args: argparse.Namespace) -> int:
    return _change(lambda: posting.reject(args.number, "cli", args.reason))


def run_stats(args: argparse.Namespace) -> int:
    async def work(_settings, _kv) -> queries.FulfilledCounts:
        until = clock.now()
        return await queries.fulfilled_counts(until - timedelta(days=args.days), until)

    counts = run_with_storage(work)
    print(json.dumps({"total": counts.total,
                      "by_volunteer": [{"openid": o, "name": n, "fulfilled": c}
                                       for o, n, c in counts.by_volunteer],
                      "by_community": [{"community": c, "fulfilled": n}
                                       for c, n in counts.by_community]},
                     ensure_ascii=False, indent=2))
    return 0
