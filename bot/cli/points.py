"""``linli points``: operator grants and balance look-ups."""

from __future__ import annotations

import argparse
import hashlib
import sys

from bot.cli.context import run_with_storage
from bot.cli.output import add_json_flag, print_json
from rewards import ledger
from rewards.errors import RewardsError
from storage import clock
from storage.core.models import Person


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("points", help="grant points, show balances")
    sub = p.add_subparsers(dest="points_command", required=True, metavar="ACTION")

    g = sub.add_parser("grant", help="give a person points (an issuance entry)")
    g.add_argument("openid")
    g.add_argument("amount", type=int)
    g.add_argument("--reason", required=True, help="why, kept in the ledger")
    g.add_argument(
        "--key",
        help="idempotency key (default: derived from the arguments and today's date, so "
        "running the same command twice on one day grants once)",
    )
    add_json_flag(g)
    g.set_defaults(func=run_grant)

    b = sub.add_parser("balance", help="show a person's balance and recent entries")
    b.add_argument("openid")
    b.add_argument("--limit", type=int, default=10)
    add_json_flag(b)
    b.set_defaults(func=run_balance)


def default_grant_key(openid: str, amount: int, reason: str) -> str:
    digest = hashlib.sha256(f"{openid}|{amount}|{reason}".encode()).hexdigest()[:16]
    return f"grant:{clock.local().date().isoformat()}:{digest}"


def run_grant(args: argparse.Namespace) -> int:
    key = args.key or default_grant_key(args.openid, args.amount, args.reason)

    async def work(settings, kv):
        if not await Person.exists(openid=args.openid):
            return None
        return await ledger.grant(args.openid, args.amount, args.reason, key)

    try:
        t = run_with_storage(work)
    except RewardsError as exc:
        print(f"error ({exc.code}): {exc}", file=sys.stderr)
        return 1
    if t is None:  # a typo would open a wallet nobody reads
        print(f"error (unknown_person): nobody with openid {args.openid!r}; a person exists "
              "once they have written to the account (staff: `linli staff list`)",
              file=sys.stderr)
        return 1
    if args.json:
        print_json({"transfer": t.id, "key": t.key, "openid": args.openid, "amount": t.amount,
                    "replayed": t.replayed})
    elif t.replayed:
        print(
            f"already granted under key {t.key} (transfer {t.id}); nothing changed. "
            "Pass --key to grant again."
        )
    else:
        print(f"granted {t.amount} points to {args.openid} (transfer {t.id}, key {t.key})")
    return 0


def run_balance(args: argparse.Namespace) -> int:
    async def work(settings, kv):
        return await ledger.balance(args.openid), await ledger.entries(args.openid, args.limit)

    bal, rows = run_with_storage(work)
    if args.json:
        print_json({"openid": bal.openid, "balance": bal.balance, "reserved": bal.reserved,
                    "available": bal.available,
                    "entries": [{"seq": e.seq, "at": clock.local(e.created_at), "amount": e.amount,
                                 "kind": e.kind, "rule": e.rule, "reason": e.reason,
                                 "key": e.transfer_key} for e in rows]})
        return 0
    print(
        f"{bal.openid}: balance {bal.balance}, reserved {bal.reserved}, available {bal.available}"
    )
    for e in rows:
        when = clock.local(e.created_at).strftime("%Y-%m-%d %H:%M")
        print(f"  #{e.seq} {when} {e.amount:+d} {e.kind} {e.rule or ''} {e.reason}".rstrip())
    return 0
