"""Which grid a point belongs to: inside, on an edge, just outside, far outside; the cache."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from handlers.geo import grids
from handlers.geo.demo import load_geo_demo
from handlers.geo.errors import BadCoordinates
from handlers.geo.geojson_import import import_geojson
from handlers.geo.gridindex import CompoundArea, GridArea, GridIndex
from storage.geo.models import Grid
from tests.support.geo import (
    M_PER_DEG_LAT,
    SIZE,
    SOUTH,
    WEST,
    collection,
    demo_shapes,
    feature,
    small_street,
    square,
)


async def test_the_demo_point_is_in_g01_and_in_mingzhu(db):
    await load_geo_demo()
    place = await grids.locate(43.8860, 125.3180)
    assert (place.how, place.grid, place.grid_name) == ("inside", "G01", "繁荣社区第一网格")
    assert (place.community, place.community_name) == ("FR", "繁荣社区")
    assert place.compound == "MINGZHU" and place.distance_m == 0


async def test_points_on_an_edge_belong_to_a_grid(db):
    await load_geo_demo()
    shapes = demo_shapes("grid")
    shared = shapes["G01"].intersection(shapes["G02"])  # their common border: two segments
    assert shared.length > 0
    for p in (shared.interpolate(0.37, normalized=True), Point(shared.geoms[0].coords[-1])):  # the shared vertex
        place = await grids.locate(p.y, p.x)
        assert (place.how, place.grid, place.distance_m) == ("inside", "G01", 0)  # lowest code
    outer = Point(shapes["G07"].exterior.coords[0])  # a corner on the street's outer edge
    place = await grids.locate(outer.y, outer.x)
    assert (place.how, place.grid) == ("inside", "G07")


async def test_just_outside_goes_to_the_nearest_grid_with_its_distance(db):
    await import_geojson(small_street())
    lat = SOUTH - 120 / M_PER_DEG_LAT  # 120 m south of A2's southern edge
    place = await grids.locate(lat, WEST + 1.5 * SIZE)
    assert (place.how, place.grid, place.community) == ("nearest", "A2", "C1")
    assert place.distance_m == pytest.approx(120, abs=0.5)
    bounded = await grids.locate(lat, WEST + 1.5 * SIZE, max_distance_m=100)
    assert (bounded.how, bounded.grid, bounded.community) == ("none", None, "C1")


async def test_far_outside_has_no_grid_but_names_the_community_admin(db):
    await import_geojson(small_street())
    place = await grids.locate(SOUTH + SIZE / 2, WEST - 0.02)  # ~1.6 km west of A1
    assert (place.how, place.grid, place.community_name) == ("none", None, "测试社区")
    assert place.distance_m == pytest.approx(0.02 * 80_142, rel=0.01)
    assert place.compound is None


async def test_nothing_imported_means_no_grid_at_all(db):
    place = await grids.locate(43.8860, 125.3180)
    assert (place.how, place.grid, place.community, place.distance_m) == (
        "none", None, None, None)


async def test_the_index_is_rebuilt_when_the_data_changes_and_only_then(db):
    await import_geojson(small_street())
    far_east = (SOUTH + SIZE / 2, WEST + 2.5 * SIZE)
    assert (await grids.locate(*far_east)).grid == "A2"  # 400 m outside A2
    built = grids.builds()
    await grids.locate(*far_east)
    await grids.locate(SOUTH + 0.001, WEST + 0.001)
    assert grids.builds() == built  # nothing changed: the cached index answered

    # Another process imports a third grid: no invalidate() here, the signature notices.
    await import_geojson(collection(feature(
        "grid", "A3", "第三网格", square(WEST + 2 * SIZE, SOUTH, SIZE), community="C1")))
    place = await grids.locate(*far_east)
    assert (place.how, place.grid) == ("inside", "A3")
    assert grids.builds() == built + 1

    await Grid.filter(code="A3").delete()  # a deletion is noticed too (the count changes)
    assert (await grids.locate(*far_east)).grid == "A2"
    await import_geojson(small_street())  # unchanged re-import: no rebuild
    rebuilt = grids.builds()
    await grids.locate(*far_east)
    assert grids.builds() == rebuilt


async def test_locate_building(db):
    await load_geo_demo()
    place = await grids.locate_building("b12-3")
    assert (place.how, place.building, place.grid, place.compound, place.community) == (
        "building", "B12-3", "G01", "MINGZHU", "FR")
    assert (await grids.locate(place.lat, place.lng)).grid == "G01"
    assert (await grids.locate_building("B13-1")).compound is None
    assert await grids.locate_building("B99-9") is None


def test_index_distances_are_metres_on_the_ground():
    a = GridArea("A", "a", "C", "c", Point(125.3, 43.88).buffer(0.001, quad_segs=32).envelope)
    index = GridIndex([a], [CompoundArea("K", a.geometry)])
    east = 125.301 + 250 / 80_142  # 250 m east of the eastern edge, along the parallel
    place = index.locate(43.88, east)
    assert place.how == "nearest" and place.distance_m == pytest.approx(250, abs=1)
    assert index.locate(43.88, 125.3).compound == "K"
    assert index.locate(43.88, east, max_distance_m=249).how == "none"


@pytest.mark.parametrize(("lat", "lng"), [(float("nan"), 125.3), (43.88, float("inf")),
                                          (125.318, 43.886), (-91, 0)])
async def test_impossible_coordinates_are_refused(db, lat, lng):
    await import_geojson(small_street())
    with pytest.raises(BadCoordinates):
        await grids.locate(lat, lng)
