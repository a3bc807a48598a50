"""``linli categories load|list|suggest``: the 随手拍 taxonomy and its keyword classifier."""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli.context import run_with_storage
from bot.cli.output import add_json_flag, print_json
from handlers.categories.queries import all_categories
from handlers.categories.service import LoadResult, load_categories
from handlers.categories.suggest import suggest
from handlers.categories.taxonomy import DEFAULT_FILE
from handlers.geo.errors import GeoDataError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("categories", help="report categories: load, list, suggest")
    sub = p.add_subparsers(dest="categories_command", required=True, metavar="ACTION")
    ld = sub.add_parser("load", help="upsert categories from a JSON file (idempotent)")
    ld.add_argument("file", nargs="?", help=f"default: the packaged {DEFAULT_FILE.name}")
    ld.add_argument("--deactivate-missing", action="store_true",
                    help="deactivate categories the file does not list (default: keep them)")
    ld.set_defaults(func=run_load)
    ls = sub.add_parser("list", help="list categories with their routing and SLAs")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.set_defaults(func=run_list)
    sg = sub.add_parser("suggest", help="what the classifier suggests for a description")
    sg.add_argument("text", help="e.g. 小区门口井盖没了很危险")
    add_json_flag(sg)
    sg.set_defaults(func=run_suggest)


def run_load(args: argparse.Namespace) -> int:
    async def work(_settings, _kv) -> LoadResult:
        return await load_categories(args.file, deactivate_missing=args.deactivate_missing)

    try:
        result = run_with_storage(work)
    except GeoDataError as exc:
        print(f"error: {args.file or DEFAULT_FILE} refused, nothing written:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"categories: {len(result.created)} created, {len(result.updated)} updated, "
          f"{len(result.unchanged)} unchanged")
    for label, codes in (("created", result.created), ("updated", result.updated),
                         ("not in the file, kept", result.not_in_file),
                         ("deactivated", result.deactivated)):
        if codes:
            print(f"  {label}: {', '.join(codes)}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    async def work(_settings, _kv) -> list[dict]:
        return [{"code": c.code, "name": c.name, "responsible": c.responsible.value,
                 "department": c.department, "accept_sla_hours": c.accept_sla_hours,
                 "resolve_sla_hours": c.resolve_sla_hours,
                 "duplicate_radius_m": c.duplicate_radius_m, "active": c.active,
                 "description": c.description} for c in await all_categories()]

    rows = run_with_storage(work)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no categories: load them with `linli categories load`")
    for r in rows:
        state = "" if r["active"] else "  (inactive)"
        print(f"{r['code']:<18} {r['name']:<8} {r['responsible']:<10} "
              f"accept {r['accept_sla_hours']:>3} h  resolve {r['resolve_sla_hours']:>3} h  "
              f"radius {r['duplicate_radius_m']:>4} m  {r['department'] or '-'}{state}")
    return 0


def run_suggest(args: argparse.Namespace) -> int:
    suggestions = run_with_storage(lambda _s, _kv: suggest(args.text))
    if args.json:
        print_json([{"code": s.category.code, "name": s.category.name, "score": s.score,
                     "words": list(s.words)} for s in suggestions])
        return 0 if suggestions else 1
    if not suggestions:
        print("no active category (load them with `linli categories load`)")
        return 1
    for number, s in enumerate(suggestions, start=1):
        words = f"  ({'、'.join(s.words)})" if s.words else ""
        print(f"{number}. {s.category.code:<18} {s.category.name:<8} {s.score:g}{words}")
    return 0
