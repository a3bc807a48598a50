"""``linli privacy export OPENID`` (everything linli holds about the person, as JSON) and
``linli privacy erase OPENID`` (注销 from the command line: the same use case as the chat's
and the API's, ``handlers.privacy.service.erase``)."""

from __future__ import annotations

import argparse
import json

from bot.cli.context import run_with_storage
from handlers.privacy import queries, service
from storage.media import open_store


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("export", help="print everything linli holds about a person (JSON)")
    e.add_argument("openid")
    e.set_defaults(func=run_export)
    x = sub.add_parser("erase", help="erase a person's personal data (as 注销 does)")
    x.add_argument("openid")
    x.set_defaults(func=run_erase)


def run_export(args: argparse.Namespace) -> int:
    async def work(settings, kv):
        return (await queries.export(args.openid, kv)).as_json()

    print(json.dumps(run_with_storage(work), ensure_ascii=False, indent=1))
    return 0


def run_erase(args: argparse.Namespace) -> int:
    async def work(settings, kv):
        return await service.erase(args.openid, kv, media=open_store(settings.media_store,
                                                                     settings.media_dir),
                                   keep_staff_history=settings.privacy_keep_staff_history)

    done = run_with_storage(work)
    print(json.dumps({"erased": done.pseudonym is not None, "pseudonym": done.pseudonym,
                      "rows": done.rows, "photos": done.photos, "released": done.released,
                      "cancelled": done.cancelled}))
    return 0
