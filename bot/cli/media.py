"""``linli media migrate --to database|dir [--move]``: copy the stored photos' bytes between
the media directory (LINLI_MEDIA_DIR) and the database (table media_blob).

A district moving to several machines runs ``linli media migrate --to database`` once, sets
LINLI_MEDIA_STORE=database on every node and restarts them; running it again copies only what
arrived meanwhile (a photo the target holds is left alone). ``--to dir`` goes back. ``--move``
deletes each copy from the source once the target holds it: erasure and retention delete from
the configured store only, so copies left behind would outlive them.

Exit 0 when every stored photo is in the target, 1 when some photo's bytes are in neither
store (they are listed), 2 for a configuration error.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli.context import run_with_storage
from bot.cli.output import add_json_flag, print_json
from storage import media


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("media", help="the stored photos: move them between the media "
                                            "directory and the database")
    sub = p.add_subparsers(dest="media_command", required=True, metavar="ACTION")
    m = sub.add_parser("migrate", help="copy every stored photo into the other store "
                                       "(idempotent)")
    m.add_argument("--to", required=True, choices=media.KINDS,
                   help="database: from LINLI_MEDIA_DIR into the database; dir: back")
    m.add_argument("--move", action="store_true",
                   help="delete each photo from the source once the target holds it")
    add_json_flag(m)
    m.set_defaults(func=run_migrate)


def run_migrate(args: argparse.Namespace) -> int:
    async def work(settings, kv) -> media.Moved:
        stores = {media.DIR: media.DirStore(settings.media_dir),
                  media.DATABASE: media.DatabaseStore()}
        source = stores[media.DATABASE if args.to == media.DIR else media.DIR]
        return await media.migrate(source, stores[args.to], move=args.move)

    done = run_with_storage(work)
    if args.json:
        print_json({"to": args.to, "copied": done.copied, "present": done.present,
                    "missing": done.missing, "removed": done.removed, "lost": done.lost})
    else:
        print(f"to {args.to}: copied {done.copied}, already there {done.present}, "
              f"missing {done.missing}" + (f", removed from the source {done.removed}"
                                           if args.move else ""))
    if done.missing:
        print(f"error: {done.missing} stored photo(s) are in neither store, e.g. "
              f"{', '.join(done.lost[:5])}", file=sys.stderr)
        return 1
    return 0
