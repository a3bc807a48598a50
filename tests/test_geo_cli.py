"""``linli grids import|list|locate`` as the operator runs them (in-process, ``bot.cli.main``)."""

from __future__ import annotations

import json

import pytest

from handlers.geo.demo import DEMO_STREET
from storage.geo.models import Grid, Street
from tests.support.cli import in_db, run_main, use_backend
from tests.support.geo import small_street, write_json


@pytest.fixture
def cli(backend, monkeypatch):
    use_backend(monkeypatch, backend)
    in_db(backend.database_url, empty=True)
    return backend


def test_import_list_and_locate_the_demo_street(cli):
    imported = run_main("grids", "import", str(DEMO_STREET))
    assert imported.code == 0, imported.err
    assert "grid       created 8    updated 0    unchanged 0" in imported.out
    assert "building   created 15" in imported.out and "warning" not in imported.out
    again = run_main("grids", "import", str(DEMO_STREET))
    assert "grid       created 0    updated 0    unchanged 8" in again.out, again.err

    listed = run_main("grids", "list", "--json")
    assert listed.code == 0, listed.err
    rows = json.loads(listed.out)
    assert [r["code"] for r in rows] == [f"G0{i}" for i in range(1, 9)]
    g01 = rows[0]
    assert (g01["community_name"], g01["street_name"], g01["deputy_name"]) == (
        "繁荣社区", "南湖街道", "李建国")
    assert "B12-3" in g01["buildings"] and 100_000 < g01["area_m2"] < 300_000
    plain = run_main("grids", "list")
    assert "G01    繁荣社区第一网格" in plain.out

    inside = run_main("grids", "locate", "43.8860", "125.3180")
    assert inside.code == 0 and inside.out.startswith("G01 繁荣社区第一网格 · 繁荣社区 (inside"), \
        inside.out + inside.err
    near = run_main("grids", "locate", "43.8800", "125.3180", "--json")
    place = json.loads(near.out)
    assert (near.code, place["how"], place["grid"]) == (0, "nearest", "G02")
    assert 100 < place["distance_m"] < 150
    far = run_main("grids", "locate", "43.8700", "125.3180")
    assert far.code == 1 and "no grid within 500 m" in far.out and "繁荣社区 (FR)" in far.out
    bad = run_main("grids", "locate", "125.3180", "43.8860")  # swapped
    assert bad.code == 2 and "not a coordinate within ±90" in bad.err


def test_a_bad_file_is_refused_naming_the_feature(cli, tmp_path):
    doc = small_street()
    ring = doc["features"][2]["geometry"]["coordinates"][0]
    ring[1], ring[2] = ring[2], ring[1]  # a bow-tie: the ring crosses itself
    path = write_json(tmp_path / "bad.geojson", doc)
    refused = run_main("grids", "import", str(path))
    assert refused.code == 1, refused.out
    assert "nothing written" in refused.err
    assert "feature #3 (grid A1 第一网格): invalid geometry" in refused.err
    assert _count(cli, Street) == 0 and _count(cli, Grid) == 0

    missing = run_main("grids", "import", str(tmp_path / "nope.geojson"))
    assert missing.code == 1 and "cannot read" in missing.err
    (tmp_path / "broken.geojson").write_text("{not json", encoding="utf-8")
    broken = run_main("grids", "import", str(tmp_path / "broken.geojson"))
    assert broken.code == 1 and "is not valid JSON" in broken.err


def test_dry_run_and_wgs84(cli, tmp_path):
    path = write_json(tmp_path / "street.geojson", small_street())
    dry = run_main("grids", "import", str(path), "--dry-run", "--crs", "wgs84")
    assert dry.code == 0 and "dry run, nothing written" in dry.out, dry.err
    assert _count(cli, Grid) == 0
    real = run_main("grids", "import", str(path), "--crs", "wgs84")
    assert real.code == 0 and _count(cli, Grid) == 2
    # WGS-84 input lands ~570 m north-east in GCJ-02: the raw corner is now outside A1.
    located = run_main("grids", "locate", "43.8801", "125.3001", "--max-distance", "2000",
                            "--json")
    place = json.loads(located.out)
    assert (place["how"], place["grid"]) == ("nearest", "A1") and 500 < place["distance_m"] < 650


def _count(backend, model) -> int:
    return in_db(backend.database_url, lambda: model.all().count())
