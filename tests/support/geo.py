"""Helpers shared by the geography tests (no tests here).

A small street of two square grids side by side, each 0.01° (≈ 802 m east-west, ≈ 1112 m
north-south at 43.88° N), so distances to them are easy to work out by hand.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from shapely.geometry import shape

from handlers.geo.demo import DEMO_STREET
from handlers.geo.projection import EARTH_RADIUS_M

WEST, SOUTH, SIZE = 125.30, 43.88, 0.01
M_PER_DEG_LAT = EARTH_RADIUS_M * math.pi / 180


def square(lng: float, lat: float, size: float) -> dict[str, Any]:
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size],
            [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def point(lng: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lng, lat]}


def feature(kind: str, code: str, name: str, geometry: dict | None = None, **props: Any
            ) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry,
            "properties": {"kind": kind, "code": code, "name": name, **props}}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def small_street(**grid_props: Any) -> dict[str, Any]:
    """Street S1, community C1, grids A1 (west) and A2 (east), compound K1 and a building."""
    return collection(
        feature("street", "S1", "测试街道"),
        feature("community", "C1", "测试社区", street="S1", admin_name="张丽",
                admin_openid="o-admin"),
        feature("grid", "A1", "第一网格", square(WEST, SOUTH, SIZE), community="C1",
                **grid_props),
        feature("grid", "A2", "第二网格", square(WEST + SIZE, SOUTH, SIZE), community="C1"),
        feature("compound", "K1", "测试小区", square(WEST + 0.002, SOUTH + 0.002, 0.003),
                community="C1", property_company="测试物业", property_org="测试物业 · 测试小区"),
        feature("building", "b1-1", "1号楼", point(WEST + 0.003, SOUTH + 0.003), grid="A1",
                compound="K1"),
    )


def demo_doc() -> dict[str, Any]:
    return json.loads(Path(DEMO_STREET).read_text(encoding="utf-8"))


def demo_shapes(kind: str) -> dict[str, Any]:
    """code -> shapely geometry of the demo features of one kind."""
    return {f["properties"]["code"]: shape(f["geometry"]) for f in demo_doc()["features"]
            if f["properties"]["kind"] == kind}


def write_json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path
