"""The report taxonomy: the packaged file, loading it (idempotent, changeable), validation."""

from __future__ import annotations

import copy
import json

import pytest

from handlers.categories.queries import active_categories, get_category
from handlers.categories.service import load_categories
from handlers.categories.taxonomy import DEFAULT_FILE
from handlers.geo.errors import GeoDataError
from storage.geo.models import Category, Responsible

REQUIRED = ["道路破损", "井盖缺失", "下水堵塞/外溢", "垃圾堆放", "违章建筑", "占道经营", "僵尸车",
            "绿化", "路灯", "电梯", "围挡", "积水", "供热", "清雪", "其他"]


def default_doc() -> dict:
    return json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))


def test_the_default_taxonomy_covers_the_rectification_standards():
    entries = default_doc()["categories"]
    names = [e["name"] for e in entries]
    assert set(REQUIRED) <= set(names)
    assert entries[-1]["code"] == "other"
    for e in entries:
        assert e["responsible"] in {"grid", "property", "department"}, e["code"]
        assert 1 <= e["accept_sla_hours"] <= e["resolve_sla_hours"], e["code"]
    manhole = next(e for e in entries if e["code"] == "manhole_cover")
    assert manhole["accept_sla_hours"] == 1  # dangerous: the fastest


async def test_load_is_idempotent(db):
    first = await load_categories()
    assert len(first.created) == 16 and not first.updated
    stamps = {c.code: c.updated_at for c in await Category.all()}
    second = await load_categories()
    assert (second.created, second.updated, len(second.unchanged)) == ([], [], 16)
    assert {c.code: c.updated_at for c in await Category.all()} == stamps
    manhole = await get_category("manhole_cover")
    assert (manhole.name, manhole.responsible, manhole.department) == (
        "井盖缺失", Responsible.DEPARTMENT, "朝阳区市政设施维护中心")
    assert (manhole.accept_sla_hours, manhole.resolve_sla_hours,
            manhole.duplicate_radius_m) == (1, 8, 30)
    assert [c.code for c in await active_categories()][:2] == ["road_damage", "manhole_cover"]


async def test_changed_values_are_updated_without_code(db, tmp_path):
    await load_categories()
    doc = default_doc()
    for entry in doc["categories"]:
        if entry["code"] == "heating":
            entry.update(resolve_sla_hours=72, duplicate_radius_m=80, active=False)
        if entry["code"] == "garbage":
            entry.update(responsible="department")
    doc["categories"].append({"code": "noise", "name": "噪音扰民", "responsible": "grid",
                              "accept_sla_hours": 4, "resolve_sla_hours": 48})
    path = tmp_path / "categories.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = await load_categories(path)
    assert (result.created, sorted(result.updated)) == (["noise"], ["garbage", "heating"])
    heating = await get_category("heating")
    assert (heating.resolve_sla_hours, heating.duplicate_radius_m, heating.active) == (
        72, 80, False)
    assert (await get_category("noise")).duplicate_radius_m == 100  # the default radius
    assert "heating" not in [c.code for c in await active_categories()]
    assert (await get_category("garbage")).responsible is Responsible.DEPARTMENT


async def test_missing_categories_are_kept_or_deactivated_on_request(db):
    await load_categories()
    only = {"categories": [e for e in default_doc()["categories"] if e["code"] == "other"]}
    kept = await load_categories(only)
    assert len(kept.not_in_file) == 15 and kept.deactivated == []
    assert len(await active_categories()) == 16
    dropped = await load_categories(only, deactivate_missing=True)
    assert len(dropped.deactivated) == 15
    assert [c.code for c in await active_categories()] == ["other"]
    assert await Category.all().count() == 16  # never deleted: cases keep their code


@pytest.mark.parametrize(("change", "message"), [
    ({"responsible": "police"}, "responsible must be one of grid, property, department"),
    ({"department": None}, "a department-handled category needs its department"),
    ({"resolve_sla_hours": 0}, "resolve_sla_hours must be a whole number of hours"),
    ({"accept_sla_hours": 200}, "resolve_sla_hours must not be shorter than accept_sla_hours"),
    ({"accept_sla_hours": "8"}, "accept_sla_hours must be a whole number"),
    ({"duplicate_radius_m": -5}, "duplicate_radius_m must be a whole number of metres"),
    ({"resolve_sla_hour": 8}, "unknown field(s) resolve_sla_hour"),
    ({"code": "Road Damage"}, "code must be 2-32 lower-case letters"),
    ({"active": "yes"}, "active must be true or false"),
])
async def test_bad_entries_are_refused_by_name_and_nothing_is_written(db, change, message):
    doc = default_doc()
    doc["categories"][0].update(change)
    doc["categories"][1]["accept_sla_hours"] = 2  # a valid change that must not be written
    with pytest.raises(GeoDataError) as refused:
        await load_categories(doc)
    assert any(p.startswith("category #1 (") and message in p
               for p in refused.value.problems), refused.value.problems
    assert await Category.all().count() == 0


async def test_a_code_used_twice_is_refused(db):
    doc = default_doc()
    doc["categories"].append(copy.deepcopy(doc["categories"][0]))
    with pytest.raises(GeoDataError, match="code used twice"):
        await load_categories(doc)


@pytest.mark.parametrize("doc", [{}, {"categories": []}, {"categories": "x"}, []])
async def test_not_a_taxonomy(db, doc):
    with pytest.raises(GeoDataError):
        await load_categories(doc)
