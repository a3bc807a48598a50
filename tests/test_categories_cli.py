"""``linli categories load|list|suggest`` as separate processes."""

from __future__ import annotations

import json

import pytest

from handlers.categories.taxonomy import DEFAULT_FILE
from storage.geo.models import Category
from tests.support.cli import run_cli
from tests.support.geo import write_json

# The CLI runs in processes of its own, on the real time of day.
pytestmark = pytest.mark.real_clock


async def test_load_list_and_suggest(db, tmp_path):
    env = {"LINLI_DATABASE_URL": db.database_url}
    loaded = await run_cli("categories", "load", env=env)
    assert loaded.code == 0, loaded.err
    assert "categories: 16 created, 0 updated, 0 unchanged" in loaded.out
    again = await run_cli("categories", "load", str(DEFAULT_FILE), env=env)
    assert "categories: 0 created, 0 updated, 16 unchanged" in again.out, again.err

    doc = json.loads(DEFAULT_FILE.read_text("utf-8"))
    doc["categories"] = [dict(e, accept_sla_hours=3) if e["code"] == "street_light" else e
                         for e in doc["categories"] if e["code"] != "heating"]
    changed = await run_cli("categories", "load", str(write_json(tmp_path / "c.json", doc)),
                            "--deactivate-missing", env=env)
    assert changed.code == 0, changed.err
    assert "1 updated" in changed.out and "deactivated: heating" in changed.out
    assert (await Category.get(code="street_light")).accept_sla_hours == 3

    listed = await run_cli("categories", "list", "--json", env=env)
    rows = {r["code"]: r for r in json.loads(listed.out)}
    assert rows["heating"]["active"] is False and rows["street_light"]["accept_sla_hours"] == 3
    assert rows["manhole_cover"] == {
        "code": "manhole_cover", "name": "井盖缺失", "responsible": "department",
        "department": "朝阳区市政设施维护中心", "accept_sla_hours": 1, "resolve_sla_hours": 8,
        "duplicate_radius_m": 30, "active": True,
        "description": "井盖丢失、破损、移位、下沉，雨水篦子缺失（危险，优先处置）"}
    plain = await run_cli("categories", "list", env=env)
    assert "(inactive)" in plain.out and "井盖缺失" in plain.out

    suggested = await run_cli("categories", "suggest", "小区门口井盖没了很危险", env=env)
    assert suggested.code == 0, suggested.err
    assert suggested.out.splitlines()[0].split()[:3] == ["1.", "manhole_cover", "井盖缺失"]
    assert suggested.err == ""  # jieba's loading chatter stays quiet


async def test_a_bad_file_is_refused_naming_the_entry(db, tmp_path):
    env = {"LINLI_DATABASE_URL": db.database_url}
    doc = {"categories": [{"code": "road_damage", "name": "道路破损", "responsible": "department",
                           "accept_sla_hours": 8, "resolve_sla_hours": 4}]}
    refused = await run_cli("categories", "load", str(write_json(tmp_path / "c.json", doc)),
                            env=env)
    assert refused.code == 1 and "nothing written" in refused.err
    assert "category #1 (road_damage 道路破损): a department-handled category needs" in refused.err
    assert "resolve_sla_hours must not be shorter" in refused.err
    assert await Category.all().count() == 0
