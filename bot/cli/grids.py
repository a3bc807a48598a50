"""``linli grids import|list|locate``: the district's geography from GeoJSON, and lookups."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from bot.cli.context import run_with_storage
from bot.cli.output import add_json_flag, print_json
from handlers.geo.errors import GeoDataError
from handlers.geo.features import CRS, KINDS
from handlers.geo.geojson_import import ImportResult, import_file
from handlers.geo.grids import NEAREST_BOUND_M, Place, locate
from handlers.geo.listing import grid_rows


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("grids", help="streets, communities, grids, buildings (GeoJSON)")
    sub = p.add_subparsers(dest="grids_command", required=True, metavar="ACTION")
    imp = sub.add_parser("import", help="upsert a GeoJSON FeatureCollection (all or nothing)")
    imp.add_argument("file", help="FILE.geojson: features with kind, code, name, parent codes")
    imp.add_argument("--crs", choices=CRS, default="gcj02",
                     help="coordinates of the file: gcj02 (Amap/Tencent/WeChat, default) or "
                          "wgs84 (GPS, 天地图, CGCS2000: converted to gcj02)")
    imp.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    add_json_flag(imp)
    imp.set_defaults(func=run_import)
    ls = sub.add_parser("list", help="list grids with community, deputy and buildings")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.set_defaults(func=run_list)
    loc = sub.add_parser("locate", help="the grid of a point (GCJ-02, as WeChat sends it)")
    loc.add_argument("lat", type=_degrees(90), help="latitude, e.g. 43.8860")
    loc.add_argument("lng", type=_degrees(180), help="longitude, e.g. 125.3180")
    loc.add_argument("--max-distance", type=float, default=NEAREST_BOUND_M, metavar="M",
                     help=f"nearest grid within M metres (default {NEAREST_BOUND_M:.0f})")
    loc.add_argument("--json", action="store_true")
    loc.set_defaults(func=run_locate)


def _degrees(limit: float):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not -limit <= value <= limit:
            raise argparse.ArgumentTypeError(f"not a coordinate within ±{limit:.0f}: {text!r}")
        return value
    return parse


def run_import(args: argparse.Namespace) -> int:
    async def work(_settings, _kv) -> ImportResult:
        return await import_file(args.file, crs=args.crs, dry_run=args.dry_run)

    try:
        result = run_with_storage(work)
    except GeoDataError as exc:
        print(f"error: {args.file} refused, nothing written:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    if args.json:
        print_json({"file": args.file, "crs": args.crs, "dry_run": result.dry_run,
                    "counts": {kind: result.counts[kind] for kind in KINDS},
                    "warnings": result.warnings})
        return 0
    verb = "checked (dry run, nothing written)" if result.dry_run else "imported"
    print(f"{verb} {args.file} ({args.crs}):")
    for kind in KINDS:
        c = result.counts[kind]
        print(f"  {kind:<10} created {c['created']:<4} updated {c['updated']:<4} "
              f"unchanged {c['unchanged']}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    rows = run_with_storage(lambda _s, _kv: grid_rows())
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no grids: import them with `linli grids import FILE.geojson`")
    for r in rows:
        print(f"{r['code']:<6} {r['name']:<12} {r['community_name']}({r['community']})  "
              f"{r['area_m2'] / 1e6:.2f} km²  buildings {len(r['buildings'])}  "
              f"deputy {r['deputy_name'] or '-'}")
    return 0


def run_locate(args: argparse.Namespace) -> int:
    async def work(_settings, _kv) -> Place:
        return await locate(args.lat, args.lng, max_distance_m=args.max_distance)

    place = run_with_storage(work)
    if args.json:
        print(json.dumps(asdict(place), ensure_ascii=False))
    elif place.grid is not None:
        where = "inside" if place.how == "inside" else f"{place.distance_m:.0f} m outside"
        compound = f", compound {place.compound}" if place.compound else ""
        print(f"{place.grid} {place.grid_name} · {place.community_name} ({where}{compound})")
    elif place.community is None:
        print("no grid: none imported yet")
    else:
        print(f"no grid within {args.max_distance:.0f} m (nearest {place.distance_m:.0f} m "
              f"away): route to the admin of {place.community_name} ({place.community})")
    return 0 if place.grid is not None else 1

