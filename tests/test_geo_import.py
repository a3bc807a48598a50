"""Importing the district's GeoJSON: upsert, validation naming the feature, all or nothing."""

from __future__ import annotations

import copy
import json

import pytest

from handlers.geo.errors import GeoDataError
from handlers.geo.gcj02 import wgs84_to_gcj02
from handlers.geo.geojson_import import import_geojson
from storage.geo.models import Building, Community, Compound, Grid, Street
from tests.support.geo import (
    SIZE,
    SOUTH,
    WEST,
    collection,
    feature,
    point,
    small_street,
    square,
)


async def test_import_creates_everything_with_its_parents(db):
    result = await import_geojson(small_street(deputy_name="李建国",
                                               deputy_openid="demo-grid-g02"))
    assert result.counts["grid"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert result.counts["building"]["created"] == 1 and result.warnings == []
    a1 = await Grid.get(code="A1").prefetch_related("community__street")
    assert (a1.name, a1.community.code, a1.community.street.name) == ("第一网格", "C1", "测试街道")
    assert (a1.deputy_name, a1.deputy_openid) == ("李建国", "demo-grid-g02")
    assert json.loads(a1.geometry)["type"] == "Polygon"
    community = await Community.get(code="C1")
    assert (community.admin_name, community.admin_openid) == ("张丽", "o-admin")
    compound = await Compound.get(code="K1")
    assert compound.property_org == "测试物业 · 测试小区"
    building = await Building.get(code="B1-1").prefetch_related("grid", "compound")
    assert (building.grid.code, building.compound.code) == ("A1", "K1")  # codes upper-cased
    assert (building.lat, building.lng) == pytest.approx((SOUTH + 0.003, WEST + 0.003))


async def test_reimport_is_idempotent_and_updates_only_what_changed(db):
    doc = small_street()
    await import_geojson(doc)
    before = {g.code: g.updated_at for g in await Grid.all()}
    again = await import_geojson(doc)
    assert again.changed == 0
    assert again.counts["grid"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert {g.code: g.updated_at for g in await Grid.all()} == before

    moved = copy.deepcopy(doc)
    moved["features"][3]["geometry"] = square(WEST + SIZE, SOUTH, SIZE * 2)  # A2 grows
    moved["features"][1]["properties"]["admin_name"] = "王红"
    result = await import_geojson(moved)
    assert result.counts["grid"] == {"created": 0, "updated": 1, "unchanged": 1}
    assert result.counts["community"]["updated"] == 1
    assert (await Grid.get(code="A1")).updated_at == before["A1"]
    assert (await Grid.get(code="A2")).updated_at > before["A2"]
    assert (await Community.get(code="C1")).admin_name == "王红"
    assert await Grid.all().count() == 2 and await Street.all().count() == 1


async def test_a_grid_moves_to_another_community_and_a_building_leaves_its_compound(db):
    await import_geojson(small_street())
    doc = small_street()
    doc["features"].insert(2, feature("community", "C2", "新社区", street="S1"))
    doc["features"][4]["properties"]["community"] = "C2"  # grid A2
    doc["features"][6]["properties"].pop("compound")  # building B1-1
    result = await import_geojson(doc)
    assert result.counts["grid"]["updated"] == 1 and result.counts["building"]["updated"] == 1
    assert (await Grid.get(code="A2").prefetch_related("community")).community.code == "C2"
    assert (await Building.get(code="B1-1")).compound_id is None


async def test_a_later_file_may_refer_to_parents_already_imported(db):
    await import_geojson(small_street())
    result = await import_geojson(collection(
        feature("grid", "A3", "第三网格", square(WEST + 2 * SIZE, SOUTH, SIZE), community="c1"),
        feature("building", "B3-1", "3号楼", point(WEST + 2.5 * SIZE, SOUTH + 0.005))))
    assert result.counts["grid"]["created"] == 1
    building = await Building.get(code="B3-1").prefetch_related("grid")
    assert building.grid.code == "A3"  # no grid given: the grid containing it


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["features"][2].update(geometry={
        "type": "Polygon", "coordinates": [[[WEST, SOUTH], [WEST + SIZE, SOUTH + SIZE],
                                            [WEST + SIZE, SOUTH], [WEST, SOUTH + SIZE],
                                            [WEST, SOUTH]]]}),
     "feature #3 (grid A1 第一网格): invalid geometry: Self-intersection"),
    (lambda d: d["features"][2].update(geometry=point(WEST, SOUTH)),
     "feature #3 (grid A1 第一网格): a grid geometry must be Polygon or MultiPolygon, not Point"),
    (lambda d: d["features"][2].update(geometry=None),
     "feature #3 (grid A1 第一网格): a grid needs a geometry"),
    (lambda d: d["features"][3].update(geometry=square(SOUTH, WEST, SIZE)),  # lat, lng swapped
     "feature #4 (grid A2 第二网格): coordinates out of range"),
    (lambda d: d["features"][3]["geometry"].update(coordinates=[[[WEST, SOUTH], [WEST, 1]]]),
     "feature #4 (grid A2 第二网格): malformed Polygon coordinates"),
    (lambda d: d["features"][3]["properties"].update(community="NOPE"),
     "feature #4 (grid A2 第二网格): unknown community NOPE"),
    (lambda d: d["features"][5]["properties"].update(compound="K9"),
     "feature #6 (building B1-1 1号楼): unknown compound K9"),
    (lambda d: d["features"][5]["properties"].pop("grid") and d["features"][5].update(
        geometry=point(WEST - 0.5, SOUTH)),
     "feature #6 (building B1-1 1号楼): no grid given and none contains the building"),
    (lambda d: d["features"][4]["properties"].update(kind="park"),
     "feature #5 (park K1 测试小区): kind must be one of"),
    (lambda d: d["features"][3]["properties"].update(code="A1"),
     "feature #4 (grid A1 第二网格): grid A1 already defined by feature #3"),
    (lambda d: d["features"][1]["properties"].pop("street"),
     "feature #2 (community C1 测试社区): the parent street code is missing"),
    (lambda d: d["features"][2]["properties"].update(code="G 01"),
     "code must be 1-32 letters"),
])
async def test_bad_features_are_refused_by_name_and_nothing_is_written(db, mutate, message):
    doc = small_street()
    mutate(doc)
    with pytest.raises(GeoDataError) as refused:
        await import_geojson(doc)
    assert any(p.startswith(message) or message in p for p in refused.value.problems), \
        refused.value.problems
    assert await Street.all().count() == 0 and await Grid.all().count() == 0


async def test_every_problem_is_reported_at_once(db):
    doc = small_street()
    doc["features"][2]["geometry"] = None
    doc["features"][3]["properties"]["name"] = ""
    with pytest.raises(GeoDataError) as refused:
        await import_geojson(doc)
    assert len(refused.value.problems) == 2


@pytest.mark.parametrize("doc", [[], {"type": "Feature"}, collection(), {"type": "FeatureCollection",
                                                                           "features": [1]}])
async def test_not_a_feature_collection(db, doc):
    with pytest.raises(GeoDataError):
        await import_geojson(doc)


async def test_a_failed_write_rolls_everything_back(db):
    await import_geojson(small_street())
    doc = small_street()
    doc["features"][0]["properties"]["name"] = "改名街道"
    doc["features"].append(feature("building", "B9", "9号楼", point(WEST, SOUTH), grid="ZZ"))
    with pytest.raises(GeoDataError):
        await import_geojson(doc)
    assert (await Street.get(code="S1")).name == "测试街道"


async def test_overlapping_grids_and_misplaced_buildings_are_warned_about(db):
    doc = small_street()
    doc["features"][3]["geometry"] = square(WEST + SIZE / 2, SOUTH, SIZE)  # half over A1
    doc["features"][5]["properties"]["grid"] = "A2"  # the building lies in A1's own half
    doc["features"][5]["geometry"] = point(WEST + 0.001, SOUTH + 0.003)
    result = await import_geojson(doc)
    assert len(result.warnings) == 2
    assert result.warnings[0].startswith("grids A1 and A2 overlap by ")
    assert "lies 321 m outside its grid A2" in result.warnings[1]  # 0.004° of longitude


async def test_dry_run_counts_but_writes_nothing(db):
    result = await import_geojson(small_street(), dry_run=True)
    assert result.dry_run and result.counts["grid"]["created"] == 2
    assert await Grid.all().count() == 0 and await Street.all().count() == 0


async def test_wgs84_files_are_converted_to_gcj02(db):
    await import_geojson(small_street(), crs="wgs84")
    building = await Building.get(code="B1-1")
    lng, lat = wgs84_to_gcj02(WEST + 0.003, SOUTH + 0.003)
    assert (building.lng, building.lat) == pytest.approx((lng, lat), abs=1e-9)
    assert building.lng - (WEST + 0.003) > 0.004  # the offset is hundreds of metres here
