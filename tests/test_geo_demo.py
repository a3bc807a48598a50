"""The demo street: a plausible tiling around 43.8860 N, 125.3180 E that fits the demo staff."""

from __future__ import annotations

import itertools

from shapely.geometry import Point
from shapely.ops import unary_union

from handlers.demo import PEOPLE, load_demo_data
from handlers.geo.features import parse_collection
from handlers.geo.geometry import projection_for, to_metres
from storage.geo.models import Building, Category, Community, Compound, Grid, Street
from tests.support.geo import demo_doc, demo_shapes

DEMO_POINT = Point(125.3180, 43.8860)


def test_eight_grids_tile_the_street_without_overlaps_or_gaps():
    grids = demo_shapes("grid")
    assert sorted(grids) == [f"G0{i}" for i in range(1, 9)]
    projection = projection_for(grids.values())
    metric = {code: to_metres(g, projection) for code, g in grids.items()}
    for a, b in itertools.combinations(sorted(metric), 2):
        assert metric[a].intersection(metric[b]).area < 0.01, (a, b)
    union = unary_union(list(metric.values()))
    assert union.geom_type == "Polygon" and not list(union.interiors)  # one piece, no holes
    assert 0.1e6 < min(m.area for m in metric.values()) < max(m.area for m in metric.values()
                                                              ) < 0.3e6  # urban grid sizes
    street = to_metres(demo_shapes("street")["NANHU"], projection)
    assert abs(street.area - union.area) < 1 and street.covers(union)


def test_g01_contains_the_point_and_the_compound_and_buildings_fit():
    grids, compounds = demo_shapes("grid"), demo_shapes("compound")
    assert grids["G01"].contains(DEMO_POINT) and compounds["MINGZHU"].contains(DEMO_POINT)
    assert grids["G01"].contains(compounds["MINGZHU"]) and grids["G04"].contains(
        compounds["HESHUN"])
    for f in demo_doc()["features"]:
        props = f["properties"]
        if props["kind"] == "building":
            building = demo_shapes("building")[props["code"]]
            assert grids[props["grid"]].contains(building), props["code"]
            if "compound" in props:
                assert compounds[props["compound"]].contains(building), props["code"]
    specs = parse_collection(demo_doc())  # the file passes the importer's own checks
    assert sum(s.kind == "community" for s in specs) == 4


async def test_demo_loader_is_idempotent_and_matches_the_demo_staff(db):
    await load_demo_data()
    counts = [await m.all().count() for m in (Street, Community, Grid, Compound, Building,
                                              Category)]
    assert counts == [1, 4, 8, 2, 15, 16]
    again = await load_demo_data()
    assert any("(0 rows added or changed); 16 categories (0 added or changed)" in line
               for line in again), again
    assert [await m.all().count() for m in (Street, Community, Grid, Compound, Building,
                                            Category)] == counts
    staff = {openid: (grid, org) for openid, _role, _name, grid, org in PEOPLE}
    assert {staff["demo-grid-g01"][0], staff["demo-grid-g02"][0]} <= {
        g.code for g in await Grid.all()}
    compound = await Compound.get(code="MINGZHU")
    assert compound.property_org == staff["demo-property"][1]
    community = await Community.get(code="FR")
    assert community.admin_openid == "demo-admin"
    assert staff["demo-admin"][1].endswith(community.name)
    assert (await Grid.get(code="G01")).deputy_openid == "demo-grid-g02"
    garbage = await Category.get(code="garbage")
    assert garbage.department == staff["demo-department"][1]
