"""The console's map (地图): the grids in scope with their case counts, and the markers."""

from __future__ import annotations

import json
from datetime import timedelta

from handlers.reports import mapdata
from storage import clock
from storage.geo.models import Community, Compound, Grid
from storage.reports.models import OPEN_STATUSES, Case, CaseStatus
from tests.support.console_data import SQUARES, case, crafted, scope


def _by_code(layer: dict) -> dict[str, dict]:
    assert layer["type"] == "FeatureCollection"
    return {f["properties"]["code"]: f for f in layer["features"]}


async def test_grid_layer_follows_the_scope_and_counts_its_cases(db):
    await crafted()
    rows = await Case.all()
    street = _by_code(await mapdata.grid_layer(await scope("adm2")))
    assert sorted(street) == ["G1", "G2", "G3"]
    for code, feature in street.items():
        assert feature["geometry"] == json.loads(SQUARES[code])
        props = feature["properties"]
        assert props["open"] == sum(c.grid_code == code and c.status in OPEN_STATUSES
                                    for c in rows)
        assert props["overdue"] == sum(c.grid_code == code and c.status in OPEN_STATUSES
                                       and c.overdue for c in rows)
    assert street["G3"]["properties"]["overdue"] > 0
    assert (street["G1"]["properties"]["name"], street["G1"]["properties"]["community"],
            street["G3"]["properties"]["community_code"]) == ("第一网格", "明珠社区", "C2")
    assert sorted(_by_code(await mapdata.grid_layer(await scope("adm1")))) == ["G1", "G2"]
    worker = _by_code(await mapdata.grid_layer(await scope("gw1")))
    assert sorted(worker) == ["G1"]
    assert worker["G1"]["properties"] == street["G1"]["properties"]
    assert (await mapdata.grid_layer(await scope("pm1")))["features"] == []
    # a deputy (网格员 B角) sees the grid deputised too
    await Grid.filter(code="G3").update(deputy_openid="gw1")
    assert sorted(_by_code(await mapdata.grid_layer(await scope("gw1")))) == ["G1", "G3"]


async def test_others_see_the_grids_of_their_cases_counted_in_scope(db):
    await crafted()
    await Case.filter(number__in=["A1103", "A1104"]).update(
        compound_code="MZ", status=CaseStatus.ACCEPTED, overdue=True)
    await Compound.create(code="MZ", name="明珠小区", community=await Community.get(code="C2"),
                          property_org="物业甲")
    layer = _by_code(await mapdata.grid_layer(await scope("pm1")))
    assert sorted(layer) == ["G3"] and (layer["G3"]["properties"]["open"],
                                        layer["G3"]["properties"]["overdue"]) == (2, 2)


async def test_markers_open_and_recently_closed_most_recent_first(db):
    await crafted()
    now = clock.now()
    for n, days, status in ((9100, 1, CaseStatus.CLOSED), (9101, 40, CaseStatus.CLOSED),
                            (9102, 2, CaseStatus.DISPATCHED), (9103, 3, CaseStatus.REJECTED)):
        await case(n, "G2", now - timedelta(days=days + 1), status=status,
                   closed_at=now - timedelta(days=days) if status is CaseStatus.CLOSED else None)
    await case(9104, None, now, status=CaseStatus.DISPATCHED)  # no location: not drawn
    street = await scope("adm2")
    found = await mapdata.markers(street)
    recent = now - timedelta(days=30)
    expected = sorted((c for c in await Case.filter(lat__isnull=False)
                       if c.status in OPEN_STATUSES
                       or (c.status is CaseStatus.CLOSED and c.closed_at >= recent)),
                      key=lambda c: (c.created_at, c.id), reverse=True)
    assert [m["number"] for m in found] == [c.number for c in expected]
    numbers = {m["number"] for m in found}
    assert {"A9100", "A9102"} <= numbers and not {"A9101", "A9103", "A9104"} & numbers
    first = next(m for m in found if m["number"] == "A9102")
    assert (first["status"], first["status_name"], first["grid"], first["overdue"]) == (
        "dispatched", "待受理", "G2", False)
    assert first["category"] == "垃圾堆放" and first["category_code"] == "garbage"
    assert isinstance(first["lat"], float) and isinstance(first["lng"], float)
    assert [m["number"] for m in await mapdata.markers(street, limit=3)] == [
        m["number"] for m in found[:3]]
    mine = await mapdata.markers(await scope("gw1"))
    assert mine and {m["grid"] for m in mine} == {"G1"}
