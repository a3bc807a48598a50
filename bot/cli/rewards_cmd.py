"""``linli rewards``: the reward catalogue (add, restock, disable, enable, list)."""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import asdict
from datetime import datetime, timedelta

from bot.cli.context import run_with_storage
from bot.cli.output import add_json_flag, print_json
from rewards import catalogue
from rewards.errors import RewardsError
from storage import clock


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("rewards", help="manage the reward catalogue")
    sub = p.add_subparsers(dest="rewards_command", required=True, metavar="ACTION")

    a = sub.add_parser("add", help="add a reward")
    a.add_argument("--name", required=True)
    a.add_argument("--cost", type=int, required=True, help="points per unit")
    a.add_argument("--stock", type=int, default=0, help="units on the shelf now")
    a.add_argument("--limit", type=int, help="most units one person may redeem")
    a.add_argument(
        "--from",
        dest="available_from",
        type=_moment,
        help="available from (ISO date or date-time, Asia/Shanghai unless an offset is given)",
    )
    a.add_argument(
        "--until",
        dest="available_until",
        type=_until,
        help="available until (a date alone means through the end of that day)",
    )
    a.add_argument("--place", help="pickup place (default: the community service station)")
    add_json_flag(a)
    a.set_defaults(func=run_add)

    r = sub.add_parser("restock", help="add units to a reward's stock")
    r.add_argument("reward_id", type=int)
    r.add_argument("quantity", type=int)
    r.add_argument("--reason", default="")
    r.add_argument("--key", help="idempotency key (default: arguments + today's date)")
    add_json_flag(r)
    r.set_defaults(func=run_restock)

    for name, helptext in (("disable", "stop offering a reward"), ("enable", "offer it again")):
        d = sub.add_parser(name, help=helptext)
        d.add_argument("reward_id", type=int)
        add_json_flag(d)
        d.set_defaults(func=run_toggle, enabled=name == "enable")

    ls = sub.add_parser("list", help="list rewards")
    ls.add_argument("--all", action="store_true", help="include disabled and unavailable")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.set_defaults(func=run_list)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date/time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.SHANGHAI)


def _until(text: str) -> datetime:
    moment = _moment(text)
    return moment + timedelta(days=1) if len(text.strip()) == 10 else moment


def _run(work) -> tuple[int, object]:
    try:
        return 0, run_with_storage(work)
    except (RewardsError, ValueError) as exc:
        code = getattr(exc, "code", "invalid")
        print(f"error ({code}): {exc}", file=sys.stderr)
        return 1, None


def run_add(args: argparse.Namespace) -> int:
    async def work(settings, kv):
        return await catalogue.add_reward(
            args.name,
            args.cost,
            args.stock,
            per_person_limit=args.limit,
            available_from=args.available_from,
            available_until=args.available_until,
            pickup_place=args.place,
        )

    status, view = _run(work)
    if view is not None and args.json:
        print_json(asdict(view))
    elif view is not None:
        print(f"added reward {view.id}: {view.name}, {view.cost} points, stock {view.stock}")
    return status


def run_restock(args: argparse.Namespace) -> int:
    digest = hashlib.sha256(f"{args.quantity}|{args.reason}".encode()).hexdigest()[:12]
    key = args.key or f"restock:{args.reward_id}:{clock.local().date().isoformat()}:{digest}"

    async def work(settings, kv):
        t = await catalogue.restock(args.reward_id, args.quantity, key, args.reason)
        return t, await catalogue.get_reward(args.reward_id)

    status, result = _run(work)
    if result is not None:
        t, view = result
        if args.json:
            print_json({"reward": asdict(view), "added": t.amount, "key": t.key,
                        "replayed": t.replayed})
        elif t.replayed:
            print(f"already restocked under key {t.key}; nothing changed. Pass --key to add more.")
        else:
            print(f"reward {view.id}: +{t.amount} units, stock now {view.stock}")
    return status


def run_toggle(args: argparse.Namespace) -> int:
    async def work(settings, kv):
        return await catalogue.set_enabled(args.reward_id, args.enabled)

    status, view = _run(work)
    if view is not None and args.json:
        print_json(asdict(view))
    elif view is not None:
        print(f"reward {view.id} {'enabled' if view.enabled else 'disabled'}")
    return status


def run_list(args: argparse.Namespace) -> int:
    async def work(settings, kv):
        return await catalogue.list_rewards(include_unavailable=args.all)

    status, views = _run(work)
    if views is None:
        return status
    if args.json:
        print_json([asdict(v) for v in views])
        return status
    for v in views:
        limit = f", limit {v.per_person_limit}/person" if v.per_person_limit else ""
        state = "" if v.available_now else " [not available]"
        print(
            f"{v.id:>4}  {v.name}  {v.cost} points  stock {v.stock}{limit}  "
            f"@ {v.pickup_place}{state}"
        )
    return status
