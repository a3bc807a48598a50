"""Reading a GeoJSON FeatureCollection of the district into checked feature specs (no database).

Every feature's ``properties`` carry ``kind`` (street | community | grid | compound | building),
``code`` and ``name``, the parent's code (``street`` for a community, ``community`` for a grid
or compound, ``grid`` and optionally ``compound`` for a building) and optional contacts. Codes
are case-insensitive and kept upper-case. Coordinates are [lng, lat], GCJ-02 unless the caller
says the file is WGS-84. All problems are collected, each naming its feature.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.errors import ShapelyError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from handlers.geo.errors import GeoDataError
from handlers.geo.gcj02 import coords_wgs84_to_gcj02

KINDS = ("street", "community", "grid", "compound", "building")  # the order they are written in
PARENTS = {"community": ("street",), "grid": ("community",), "compound": ("community",),
           "building": ("grid", "compound")}
REQUIRED_PARENT = {"community": "street", "grid": "community", "compound": "community"}
ATTRS = {"community": ("admin_name", "admin_phone", "admin_openid"),
         "grid": ("deputy_name", "deputy_phone", "deputy_openid"),
         "compound": ("property_company", "property_org")}
# Optional true/false properties (absent: false). A community's ``review_required`` (核查):
# resolutions of its cases are reviewed by someone other than the resolver.
FLAGS = {"community": ("review_required",)}
AREAS = ("Polygon", "MultiPolygon")
GEOMETRY_TYPES = {"street": AREAS, "community": AREAS, "grid": AREAS, "compound": AREAS,
                  "building": ("Point", "Polygon")}
GEOMETRY_REQUIRED = {"grid", "building"}
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
CRS = ("gcj02", "wgs84")


@dataclass
class FeatureSpec:
    kind: str
    code: str
    name: str
    label: str  # how errors name it: 'feature #3 (grid G01 繁荣一网格)'
    geometry: BaseGeometry | None = None
    parents: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, str | bool | None] = field(default_factory=dict)


def parse_collection(doc: Any, *, crs: str = "gcj02") -> list[FeatureSpec]:
    """Check a FeatureCollection; raise ``GeoDataError`` listing every problem found."""
    if crs not in CRS:
        raise GeoDataError([f"unknown coordinate system {crs!r} (use one of {', '.join(CRS)})"])
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise GeoDataError(["the file is not a GeoJSON FeatureCollection"])
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise GeoDataError(["the FeatureCollection has no features"])
    problems: list[str] = []
    specs: list[FeatureSpec] = []
    seen: dict[tuple[str, str], str] = {}
    for number, feature in enumerate(features, start=1):
        spec = _parse_feature(number, feature, crs, problems)
        if spec is None:
            continue
        if (spec.kind, spec.code) in seen:
            problems.append(f"{spec.label}: {spec.kind} {spec.code} already defined by "
                            f"{seen[spec.kind, spec.code]}")
            continue
        seen[spec.kind, spec.code] = spec.label
        specs.append(spec)
    if problems:
        raise GeoDataError(problems)
    return sorted(specs, key=lambda s: KINDS.index(s.kind))


def _parse_feature(number: int, feature: Any, crs: str, problems: list[str]
                   ) -> FeatureSpec | None:
    label = f"feature #{number}"
    props = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(feature, dict) or feature.get("type") != "Feature" or not isinstance(
            props, dict):
        problems.append(f"{label}: not a GeoJSON Feature with properties")
        return None
    kind, code, name = props.get("kind"), _code(props.get("code")), _text(props.get("name"))
    label = f"{label} ({kind} {code or '?'} {name or ''})".replace(" )", ")")
    before = len(problems)
    if kind not in KINDS:
        problems.append(f"{label}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
        return None
    if code is None:
        problems.append(f"{label}: code must be 1-32 letters, digits, '-' or '_'")
    if not name or len(name) > 64:
        problems.append(f"{label}: name is missing or longer than 64 characters")
    spec = FeatureSpec(kind, code or "", name or "", label)
    _read_parents(spec, props, problems)
    for attr in ATTRS.get(kind, ()):
        value = _text(props.get(attr))
        if value is not None and len(value) > 64:
            problems.append(f"{label}: {attr} is longer than 64 characters")
        spec.attrs[attr] = value
    for flag in FLAGS.get(kind, ()):
        raw = props.get(flag)
        if raw is not None and not isinstance(raw, bool):
            problems.append(f"{label}: {flag} must be true or false")
        spec.attrs[flag] = raw is True
    spec.geometry = _geometry(label, kind, feature.get("geometry"), crs, problems)
    return spec if len(problems) == before else None



def _read_parents(spec: FeatureSpec, props: dict[str, Any], problems: list[str]) -> None:
    """The codes of the areas a feature lies in (``grid`` for a building, ...)."""
    for parent in PARENTS.get(spec.kind, ()):
        raw = props.get(parent)
        if raw in (None, ""):
            if REQUIRED_PARENT.get(spec.kind) == parent:
                problems.append(f"{spec.label}: the parent {parent} code is missing")
        elif (value := _code(raw)) is None:
            problems.append(f"{spec.label}: {parent} {raw!r} is not a valid code")
        else:
            spec.parents[parent] = value

def _geometry(label: str, kind: str, raw: Any, crs: str, problems: list[str]
              ) -> BaseGeometry | None:
    allowed = GEOMETRY_TYPES[kind]
    if raw is None:
        if kind in GEOMETRY_REQUIRED:
            problems.append(f"{label}: a {kind} needs a geometry ({' or '.join(allowed)})")
        return None
    if not isinstance(raw, dict) or raw.get("type") not in allowed:
        got = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
        problems.append(f"{label}: a {kind} geometry must be {' or '.join(allowed)}, not {got}")
        return None
    try:
        geom = shape(raw)
    except (ValueError, TypeError, KeyError, IndexError, ShapelyError) as exc:
        problems.append(f"{label}: malformed {raw['type']} coordinates ({exc})")
        return None
    if geom.is_empty:
        problems.append(f"{label}: the geometry is empty")
        return None
    coords = shapely.get_coordinates(geom)
    if not all(math.isfinite(v) for v in coords.ravel()) or not (
            (abs(coords[:, 0]) <= 180).all() and (abs(coords[:, 1]) <= 90).all()):
        problems.append(f"{label}: coordinates out of range: GeoJSON positions are "
                        "[longitude, latitude] in degrees")
        return None
    if crs == "wgs84":
        geom = shapely.transform(geom, coords_wgs84_to_gcj02)
    if not geom.is_valid:
        problems.append(f"{label}: invalid geometry: {explain_validity(geom)}")
        return None
    if geom.geom_type != "Point" and geom.area <= 0:
        problems.append(f"{label}: the polygon has no area")
        return None
    return geom


def _code(raw: Any) -> str | None:
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        return None
    code = str(raw).strip().upper()
    return code if CODE.match(code) else None


def _text(raw: Any) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    return text or None
