"""``linli privacy``: residents' data rights from the command line (issue 16).

``linli privacy retention [--dry-run] [--json]``: what the retention settings no longer
allow (``handlers/privacy/retention.py``): with ``--dry-run`` the counts and ids per kind
that would go, changing nothing; without it the sweep runs now, as the daily
``privacy_retention`` job does.
"""

from __future__ import annotations

import argparse
import json

from bot.cli import privacy_rights
from bot.cli.context import run_with_storage
from handlers.privacy import retention
from storage.media import open_store

SHOWN_IDS = 50  # ids listed per kind in the text output (--json lists them all)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("privacy", help="residents' data: retention, export, erasure")
    sub = p.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    r = sub.add_parser("retention", help="remove what the LINLI_RETENTION_* settings no "
                                         "longer allow (as the daily sweep does)")
    r.add_argument("--dry-run", action="store_true",
                   help="only show what would go (counts and ids), change nothing")
    r.add_argument("--json", action="store_true", help="machine-readable output")
    r.set_defaults(func=run_retention)
    privacy_rights.register(sub)


def run_retention(args: argparse.Namespace) -> int:
    async def work(settings, kv):
        if args.dry_run:
            found = await retention.due(settings.retention)
            return found.counts, found.ids
        media = open_store(settings.media_store, settings.media_dir)
        return await retention.apply(settings.retention, media), None

    counts, ids = run_with_storage(work)
    if args.json:
        doc = {"dry_run": args.dry_run, "counts": counts}
        if ids is not None:
            doc["ids"] = ids
        print(json.dumps(doc))
        return 0
    verb = "would remove" if args.dry_run else "removed"
    for kind, count in counts.items():
        line = f"{kind}: {verb} {count}"
        if ids and ids[kind]:
            shown = ", ".join(str(i) for i in ids[kind][:SHOWN_IDS])
            more = len(ids[kind]) - SHOWN_IDS
            line += f" ({shown}{f', … {more} more' if more > 0 else ''})"
        print(line)
    return 0
