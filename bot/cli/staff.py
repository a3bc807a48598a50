"""``linli staff invite|list|withdraw``: one-time codes that bind staff (and the first
admin), the staff list, and withdrawing a role (撤销角色) as the console's 人员 page does."""

from __future__ import annotations

import argparse
import sys

from tortoise.transactions import in_transaction

from bot.cli.context import run_with_storage
from bot.cli.output import add_json_flag, print_json
from handlers import audit
from handlers.errors import Refusal
from handlers.staff import InviteError, create_invite, staff_list, withdraw_role
from storage.core.models import Person, Role

# Who withdraws a role from the command line: the operator, with a street admin's rights
# (no community of their own), never stored. The audit log names them "cli".
CLI_ACTOR = "cli"
EMBEDDED_NOTE = ("note: LINLI_REDIS_URL is unset, so the sessions held by a running `linli serve` "
                 "(in-process Redis) cannot be ended from here: the console lets them in no "
                 "more (it checks the role on every request); a mini-program session stays, "
                 "as a resident's, until `linli serve` restarts")

ROLES = [r.value for r in Role if r is not Role.RESIDENT]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("staff", help="staff invitations and listing")
    sub = p.add_subparsers(dest="staff_command", required=True)
    inv = sub.add_parser("invite", help="print a 6-digit binding code valid 24 h")
    inv.add_argument("--role", required=True, choices=ROLES)
    inv.add_argument("--name", required=True)
    inv.add_argument("--grid", help="grid code, required for grid_worker (e.g. G01)")
    inv.add_argument("--org", help="compound, company or department the person answers for")
    add_json_flag(inv)
    inv.set_defaults(func=run_invite)
    ls = sub.add_parser("list", help="list bound staff")
    add_json_flag(ls)
    ls.set_defaults(func=run_list)
    wd = sub.add_parser("withdraw", help="make a member of staff a resident again (撤销角色): "
                                         "their grid and organisation go, every API and "
                                         "console session of theirs ends; audited")
    wd.add_argument("openid")
    add_json_flag(wd)
    wd.set_defaults(func=run_withdraw)


def run_invite(args: argparse.Namespace) -> int:
    async def work(_settings, _kv) -> str:
        return await create_invite(Role(args.role), args.name, grid=args.grid, org=args.org)

    try:
        code = run_with_storage(work)
    except InviteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print_json({"code": code, "role": args.role, "name": args.name, "grid": args.grid,
                    "org": args.org, "valid_hours": 24})
        return 0
    print(code)
    print(f"Valid 24 hours. {args.name} sends 「绑定 {code}」 to the Official Account.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    async def work(_settings, _kv) -> list[dict]:
        return [{"openid": p.openid, "role": p.role.value, "name": p.name, "grid": p.grid,
                 "org": p.org} for p in await staff_list()]

    rows = run_with_storage(work)
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['role']:<17} {r['name']:<8} grid={r['grid'] or '-':<5} "
                  f"org={r['org'] or '-'}  {r['openid']}")
    return 0


def run_withdraw(args: argparse.Namespace) -> int:
    operator = Person(openid=CLI_ACTOR, role=Role.ADMIN, name=CLI_ACTOR)

    async def work(settings, kv) -> tuple[Person, bool]:
        async with in_transaction():
            before = await withdraw_role(args.openid, operator, kv)
            await audit.record(CLI_ACTOR, "staff_withdraw", target=args.openid,
                               detail=f"{before.name} {before.role.value} "
                                      f"grid={before.grid or '-'} org={before.org or '-'}")
        return before, settings.embedded_redis

    try:
        before, embedded = run_with_storage(work)
    except Refusal:
        print(f"error: {args.openid} is not a member of staff (unknown openid, or a resident "
              "already): nothing withdrawn; see `linli staff list`", file=sys.stderr)
        return 1
    if embedded:
        print(EMBEDDED_NOTE, file=sys.stderr)
    if args.json:
        print_json({"openid": args.openid, "name": before.name, "withdrawn_role": before.role,
                    "grid": before.grid, "org": before.org, "role": Role.RESIDENT,
                    "sessions_ended": not embedded})
        return 0
    ended = "; their API and console sessions ended" if not embedded else ""
    print(f"{before.name or args.openid} is a resident now (was {before.role.value}"
          f"{', grid ' + before.grid if before.grid else ''}){ended}")
    return 0
