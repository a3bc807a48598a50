"""``linli categories load|list|suggest`` (in-process, ``bot.cli.main``)."""

from __future__ import annotations

import json

import pytest

from handlers.categories.taxonomy import DEFAULT_FILE
from storage.geo.models import Category
from tests.support.cli import in_db, run_main, use_backend
from tests.support.geo import write_json


@pytest.fixture
def cli(backend, monkeypatch):
    use_backend(monkeypatch, backend)
    in_db(backend.database_url, empty=True)
    return backend


def test_load_list_and_suggest(cli, tmp_path):
    loaded = run_main("categories", "load")
    assert loaded.code == 0, loaded.err
    assert "categories: 16 created, 0 updated, 0 unchanged" in loaded.out
    again = run_main("categories", "load", str(DEFAULT_FILE))
    assert "categories: 0 created, 0 updated, 16 unchanged" in again.out, again.err

    doc = json.loads(DEFAULT_FILE.read_text("utf-8"))
    doc["categories"] = [dict(e, accept_sla_hours=3) if e["code"] == "street_light" else e
                         for e in doc["categories"] if e["code"] != "heating"]
    changed = run_main("categories", "load", str(write_json(tmp_path / "c.json", doc)),
                            "--deactivate-missing")
    assert changed.code == 0, changed.err
    assert "1 updated" in changed.out and "deactivated: heating" in changed.out
    assert in_db(cli.database_url, lambda: Category.get(code="street_light")).accept_sla_hours == 3

    listed = run_main("categories", "list", "--json")
    rows = {r["code"]: r for r in json.loads(listed.out)}
    assert rows["heating"]["active"] is False and rows["street_light"]["accept_sla_hours"] == 3
    assert rows["manhole_cover"] == {
        "code": "manhole_cover", "name": "井盖缺失", "responsible": "department",
        "department": "朝阳区市政设施维护中心", "accept_sla_hours": 1, "resolve_sla_hours": 8,
        "duplicate_radius_m": 30, "active": True,
        "description": "井盖丢失、破损、移位、下沉，雨水篦子缺失（危险，优先处置）"}
    plain = run_main("categories", "list")
    assert "(inactive)" in plain.out and "井盖缺失" in plain.out

    suggested = run_main("categories", "suggest", "小区门口井盖没了很危险")
    assert suggested.code == 0, suggested.err
    assert suggested.out.splitlines()[0].split()[:3] == ["1.", "manhole_cover", "井盖缺失"]
    assert suggested.err == ""  # jieba's loading chatter stays quiet


def test_a_bad_file_is_refused_naming_the_entry(cli, tmp_path):
    doc = {"categories": [{"code": "road_damage", "name": "道路破损", "responsible": "department",
                           "accept_sla_hours": 8, "resolve_sla_hours": 4}]}
    refused = run_main("categories", "load", str(write_json(tmp_path / "c.json", doc)))
    assert refused.code == 1 and "nothing written" in refused.err
    assert "category #1 (road_damage 道路破损): a department-handled category needs" in refused.err
    assert "resolve_sla_hours must not be shorter" in refused.err
    assert in_db(cli.database_url, lambda: Category.all().count()) == 0
