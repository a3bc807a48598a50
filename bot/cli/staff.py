"""``linli staff invite|list``: one-time codes that bind staff (and the first admin)."""

from __future__ import annotations

import argparse
import json

from bot.cli.context import run_with_storage
from handlers.staff import InviteError, create_invite, staff_list
from storage.core.models import Role

ROLES = [r.value for r in Role if r is not Role.RESIDENT]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("staff", help="staff invitations and listing")
    sub = p.add_subparsers(dest="staff_command", required=True)
    inv = sub.add_parser("invite", help="print a 6-digit binding code valid 24 h")
    inv.add_argument("--role", required=True, choices=ROLES)
    inv.add_argument("--name", required=True)
    inv.add_argument("--grid", help="grid code, required for grid_worker (e.g. G01)")
    inv.add_argument("--org", help="compound, company or department the person answers for")
    inv.set_defaults(func=run_invite)
    ls = sub.add_parser("list", help="list bound staff")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)


def run_invite(args: argparse.Namespace) -> int:
    async def work(_settings, _kv) -> str:
        return await create_invite(Role(args.role), args.name, grid=args.grid, org=args.org)

    try:
        code = run_with_storage(work)
    except InviteError as exc:
        print(f"error: {exc}")
        return 2
    print(code)
    print(f"Valid 24 hours. {args.name} sends 「绑定 {code}」 to the Official Account.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    async def work(_settings, _kv) -> list[dict]:
        return [{"openid": p.openid, "role": p.role.value, "name": p.name, "grid": p.grid,
                 "org": p.org} for p in await staff_list()]

    rows = run_with_storage(work)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            print(f"{r['role']:<17} {r['name']:<8} grid={r['grid'] or '-':<5} "
                  f"org={r['org'] or '-'}  {r['openid']}")
    return 0
