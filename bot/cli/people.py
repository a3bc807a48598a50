"""``linli people``: one person, two WeChat apps (the Official Account and the mini-program).

``linli people conflicts`` lists the Official Account and mini-program openids WeChat says are
one person (same UnionID) but which were kept apart because both people hold data.
``linli people link --oa OA_OPENID --miniapp MP_OPENID`` joins them: everything of the
mini-program person moves to the Official Account person's key (chat's conversation, its
48 h window and staff bindings are keyed by it), the mini-program openid becomes its alias.
Without ``--yes`` it only prints what would move.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli.context import run_with_storage


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("people", help="people's Official Account and mini-program "
                                             "openids (UnionID links, conflicts)")
    sub = p.add_subparsers(dest="people_command", required=True, metavar="ACTION")
    c = sub.add_parser("conflicts", help="openids WeChat says are one person, kept apart "
                                         "because both hold data")
    c.set_defaults(func=run_conflicts)
    link = sub.add_parser("link", help="join the mini-program person into the Official "
                                       "Account person (dry run without --yes)")
    link.add_argument("--oa", required=True, metavar="OA_OPENID",
                      help="the person's openid in the Official Account")
    link.add_argument("--miniapp", required=True, metavar="MP_OPENID",
                      help="the person's openid in the mini-program")
    link.add_argument("--yes", action="store_true", help="join them (default: dry run)")
    link.set_defaults(func=run_link)


def run_conflicts(args: argparse.Namespace) -> int:
    from handlers.identity.data import counts
    from storage import identity

    async def work(settings, kv):
        rows = []
        for c in await identity.open_conflicts():
            oa = await counts(await identity.person_key(identity.OA, c.oa_openid))
            mp = await counts(await identity.person_key(identity.MINIAPP, c.miniapp_openid))
            rows.append((c, oa, mp))
        return rows

    rows = run_with_storage(work)
    if not rows:
        print("no conflicts")
    for c, oa, mp in rows:
        print(f"since {c.created_at:%Y-%m-%d %H:%M} UTC  --oa {c.oa_openid} ({_rows(oa)})  "
              f"--miniapp {c.miniapp_openid} ({_rows(mp)})")
    return 0


def run_link(args: argparse.Namespace) -> int:
    from handlers.identity.data import counts
    from handlers.identity.join import JoinRefused, check, join
    from storage import identity
    from storage.core.models import Person

    async def work(settings, kv):
        keep = await identity.person_key(identity.OA, args.oa)
        drop = await identity.person_key(identity.MINIAPP, args.miniapp)
        people = {p.openid: p for p in await Person.filter(openid__in=[keep, drop])}
        if keep == drop:
            raise JoinRefused("same_person", "both openids already belong to one person")
        for openid, key in ((args.oa, keep), (args.miniapp, drop)):
            if key not in people:
                raise JoinRefused("unknown_person", f"nobody with openid {openid!r}")
        await check(people[keep], people[drop])
        if not args.yes:
            return keep, drop, await counts(drop), False
        joined = await join(kv, keep, drop, actor="cli")
        return keep, drop, joined.moved, True

    try:
        keep, drop, moved, done = run_with_storage(work)
    except JoinRefused as exc:
        print(f"error ({exc.code}): {exc}", file=sys.stderr)
        return 0 if exc.code == "same_person" else 1
    verb = "moved" if done else "would move"
    print(f"{verb} from {drop} (mini-program person) to {keep} (Official Account person):")
    for kind, n in sorted(moved.items()):
        print(f"  {kind}: {n} row(s)")
    if not moved:
        print("  no rows")
    print(f"{drop} is now an alias of {keep}" if done else "dry run: pass --yes to join them")
    return 0


def _rows(found: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(found.items())) or "nothing"
