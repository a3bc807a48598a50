"""``linli ledger verify``: recompute every balance and check the hash chain."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from bot.cli.context import run_with_storage
from rewards.verify import verify


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("ledger", help="points ledger tools")
    sub = p.add_subparsers(dest="ledger_command", required=True, metavar="ACTION")
    v = sub.add_parser("verify", help="check balances and the hash chain (exit 1 on mismatch)")
    v.add_argument("--json", action="store_true", help="machine-readable report")
    v.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    async def work(settings, kv):
        return await verify()

    report = run_with_storage(work)
    if args.json:
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "accounts": report.accounts,
                    "transfers": report.transfers,
                    "entries": report.entries,
                    "problems": [asdict(p) for p in report.problems],
                },
                ensure_ascii=False,
            )
        )
    else:
        for p in report.problems:
            print(f"MISMATCH {p.kind} {p.subject}: {p.detail}")
        verdict = "ok" if report.ok else f"{len(report.problems)} problem(s)"
        print(
            f"ledger verify: {verdict} ({report.accounts} accounts, {report.transfers} "
            f"transfers, {report.entries} entries)"
        )
    return 0 if report.ok else 1
