"""``linli grids import``: upsert a district GeoJSON into the geo tables, all or nothing.

Features are matched by code: a new code is created, a known one is updated where it differs,
an identical one is left alone (its ``updated_at`` does not move, so grid indexes are not
rebuilt for nothing). Features absent from the file are kept. For every feature in the file,
the file is the truth: a property it leaves out is cleared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely.geometry import mapping
from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from handlers.geo.datafile import read_json
from handlers.geo.errors import GeoDataError
from handlers.geo.features import KINDS, FeatureSpec, parse_collection
from handlers.geo.geometry import building_point, check_grids, geometry_from_text, grid_containing
from storage.geo.models import Building, Community, Compound, Grid, Street

MODELS: dict[str, type[Model]] = {"street": Street, "community": Community, "grid": Grid,
                                  "compound": Compound, "building": Building}


@dataclass
class ImportResult:
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {k: {"created": 0, "updated": 0, "unchanged": 0} for k in KINDS})
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> int:
        return sum(c["created"] + c["updated"] for c in self.counts.values())


class _DryRun(Exception):
    pass


async def import_geojson(doc: Any, *, crs: str = "gcj02", dry_run: bool = False
                         ) -> ImportResult:
    """Check and write a FeatureCollection; ``GeoDataError`` (nothing written) on any problem."""
    specs = parse_collection(doc, crs=crs)
    result = ImportResult(dry_run=dry_run)
    try:
        async with in_transaction():
            await _write(specs, result)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except IntegrityError as exc:  # another import created the same code meanwhile
        raise GeoDataError([f"the database refused the import ({exc}); run it again"]) from exc
    return result


async def import_file(path: str | Path, *, crs: str = "gcj02", dry_run: bool = False
                      ) -> ImportResult:
    return await import_geojson(read_json(path), crs=crs, dry_run=dry_run)


async def _write(specs: list[FeatureSpec], result: ImportResult) -> None:
    rows: dict[str, dict[str, Any]] = {
        kind: {r.code: r for r in await MODELS[kind].all()} for kind in KINDS[:-1]}
    codes = [s.code for s in specs if s.kind == "building"]
    rows["building"] = {r.code: r for r in await Building.filter(code__in=codes)}
    grids = {code: geometry_from_text(g.geometry) for code, g in rows["grid"].items()}
    grids.update({s.code: s.geometry for s in specs if s.kind == "grid"})
    problems = _resolve(specs, rows, grids)
    if problems:
        raise GeoDataError(problems)
    result.warnings.extend(check_grids(grids, specs))
    for spec in specs:
        values = _values(spec, rows)
        outcome = await _upsert(MODELS[spec.kind], rows[spec.kind], spec.code, values)
        result.counts[spec.kind][outcome] += 1


def _resolve(specs: list[FeatureSpec], rows: dict[str, dict[str, Any]],
             grids: dict[str, Any]) -> list[str]:
    """Check that every parent exists (in the file or the database); place unplaced buildings."""
    in_file = {(s.kind, s.code) for s in specs}
    problems = []
    for spec in specs:
        if spec.kind == "building" and "grid" not in spec.parents:
            code = grid_containing(grids, building_point(spec.geometry))
            if code is None:
                problems.append(f"{spec.label}: no grid given and none contains the building")
                continue
            spec.parents["grid"] = code
        for kind, code in spec.parents.items():
            if (kind, code) not in in_file and code not in rows[kind]:
                problems.append(f"{spec.label}: unknown {kind} {code} (neither in the file "
                                "nor in the database)")
    return problems


def _values(spec: FeatureSpec, rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    geom = spec.geometry
    values: dict[str, Any] = {
        "name": spec.name,
        "geometry": None if geom is None else json.dumps(mapping(geom), separators=(",", ":"))}
    for kind, code in spec.parents.items():
        values[f"{kind}_id"] = rows[kind][code].id
    if spec.kind == "building":
        values.setdefault("compound_id", None)
        point = building_point(geom)
        values.update(lat=point.y, lng=point.x)
    for attr, value in spec.attrs.items():
        nullable = attr.endswith(("_openid", "_org"))
        values[attr] = value if value is not None or nullable else ""
    return values


async def _upsert(model: type[Model], rows: dict[str, Any], code: str,
                  values: dict[str, Any]) -> str:
    row = rows.get(code)
    if row is None:
        rows[code] = await model.create(code=code, **values)
        return "created"
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changed:
        return "unchanged"
    row.update_from_dict(changed)
    await row.save()
    return "updated"
