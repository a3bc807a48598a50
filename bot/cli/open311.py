"""``linli open311 keys add|list|revoke``: API keys of Open311 GeoReport v2 clients."""

from __future__ import annotations

import argparse
import sys

from bot.cli.context import run_with_storage
from bot.cli.output import add_json_flag, print_json
from handlers.open311.errors import KeyAdminError
from handlers.open311.keys import create_key, list_keys, revoke_key
from storage import clock


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("open311", help="Open311 GeoReport v2 clients")
    sub = p.add_subparsers(dest="open311_command", required=True)
    keys = sub.add_parser("keys", help="API keys of Open311 clients")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    add = ksub.add_parser("add", help="create a key and print it (shown this once only)")
    add.add_argument("name", help="the client's name, e.g. city-app or 12345热线 (letters, "
                                   "Chinese too, digits, _ . -)")
    add_json_flag(add)
    add.set_defaults(func=run_add)
    ls = ksub.add_parser("list", help="keys with created, last used and revoked (never the key)")
    add_json_flag(ls)
    ls.set_defaults(func=run_list)
    rv = ksub.add_parser("revoke", help="revoke a key: its client gets 403 from now on")
    rv.add_argument("key", metavar="NAME_OR_ID")
    rv.set_defaults(func=run_revoke)


def _when(dt) -> str | None:
    return clock.local(dt).isoformat(timespec="seconds") if dt else None


def run_add(args: argparse.Namespace) -> int:
    async def work(_settings, _kv):
        return await create_key(args.name)

    try:
        key, raw = run_with_storage(work)
    except KeyAdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print_json({"id": key.id, "name": key.name, "key": raw, "created": _when(key.created_at)})
    else:
        print(raw)
    print(f"Key {key.name} (id {key.id}) created. It is shown only now: give it to the client, "
          "who sends it as api_key when posting requests.", file=sys.stderr)
    return 0


def run_list(args: argparse.Namespace) -> int:
    async def work(_settings, _kv) -> list[dict]:
        return [{"id": k.id, "name": k.name, "created": _when(k.created_at),
                 "last_used": _when(k.last_used_at), "revoked": _when(k.revoked_at)}
                for k in await list_keys()]

    rows = run_with_storage(work)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(f"{r['id']:>4} {r['name']:<24} created {r['created']}  "
              f"last used {r['last_used'] or '-'}  "
              f"{'revoked ' + r['revoked'] if r['revoked'] else 'active'}")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    async def work(_settings, _kv):
        return await revoke_key(args.key)

    try:
        key, changed = run_with_storage(work)
    except KeyAdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{key.name} revoked" if changed else f"{key.name} was revoked already")
    return 0
