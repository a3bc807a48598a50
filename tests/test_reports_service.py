"""The case service the resident conversation calls: submit (locate, route, dispatch, tell
staff), duplicates, +1."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from handlers.geo.known import OutsideArea
from handlers.reports.errors import UnknownCategory
from handlers.reports.lifecycle import history, transition
from handlers.reports.render import case_card, timeline
from handlers.reports.service.cases import find_duplicates, submit_case
from handlers.reports.service.support import add_supporter
from storage import clock
from storage.core.models import Person, Photo, Role
from storage.reports.models import Case, CaseStatus, Supporter
from tests.support.reports_staff import (
    ADMIN,
    DEPT,
    G01,
    G02,
    PROP,
    PROPERTY_ORG,
    RES,
    RES2,
    district,
    fresh,
    pushed,
    report,
)
from tests.support.sqlcount import count_statements


async def test_submit_dispatches_to_the_grid_worker_and_tells_them(db):
    await district()
    before = clock.now()
    case = await report("garbage", media_ids=["MEDIA-1", "MEDIA-2", "MEDIA-1"])
    assert re.fullmatch(r"A\d{4,}", case.number)
    case = await fresh(case)
    assert (case.status, case.grid_code, case.community_code, case.compound_code) == (
        CaseStatus.DISPATCHED, "G01", "FR", "MINGZHU")
    assert (case.assignee_openid, case.responsible) == (G01, "grid")
    # 垃圾堆放: accept within 4 h, resolve within 24 h
    assert timedelta(hours=4) <= case.accept_due_at - before < timedelta(hours=4, minutes=1)
    assert timedelta(hours=24) <= case.resolve_due_at - before < timedelta(hours=24, minutes=1)
    assert [e.action for e in await history(case)] == ["submit", "dispatch"]
    assert await Photo.filter(owner_kind="report", owner_id=case.number).count() == 2
    [note] = await pushed(G01)
    for part in (case.number, "垃圾堆放", "人民大街 5588 号", "楼下垃圾堆了三天", "照片",
                 f"接单 {case.number}"):
        assert part in note, (part, note)
    assert await pushed(G02) == [] and await pushed(RES) == []


async def test_numbers_are_short_and_unique(db):
    await district()
    numbers = [(await report(at=(43.8860 + i * 1e-4, 125.3180))).number for i in range(3)]
    assert len(set(numbers)) == 3 and all(len(n) <= 6 for n in numbers)


async def test_property_category_goes_to_the_compound_manager_with_a_copy_to_the_grid(db):
    await district()
    case = await fresh(await report("sewer", description="下水道返水"))
    assert (case.assignee_openid, case.responsible, case.property_org) == (
        PROP, "property", PROPERTY_ORG)
    [note] = await pushed(PROP)
    assert f"报到 {case.number}" in note
    [copy] = await pushed(G01)
    assert "抄送" in copy and case.number in copy


async def test_department_category_goes_to_the_department(db):
    await district()
    case = await fresh(await report("road_damage", description="路面塌陷"))
    assert (case.assignee_openid, case.responsible, case.department) == (
        DEPT, "department", "朝阳区市政设施维护中心")
    assert case.number in (await pushed(DEPT))[0]


async def test_department_without_staff_falls_back_to_the_grid(db):
    await district()
    case = await fresh(await report("street_light"))  # 路灯管理所 has nobody bound
    assert (case.assignee_openid, case.responsible, case.department) == (
        G01, "grid", "朝阳区路灯管理所")


async def test_building_gives_the_grid_and_point(db):
    await district()
    case = await fresh(await report("garbage", at=None, building="b13-1"))
    assert (case.grid_code, case.building_code, case.assignee_openid) == ("G02", "B13-1", G02)
    assert case.lat == pytest.approx(43.8838) and case.lng == pytest.approx(125.3175)


async def test_no_grid_goes_to_the_admin(db):
    await district()
    # Issue 14: a point beyond the nearest-grid bound is outside the street, refused
    # (it used to go to the admin); a case with no point (an address only) still does.
    with pytest.raises(OutsideArea, match="南湖街道"):
        await report("garbage", at=(43.95, 125.45))
    case = await fresh(await report("garbage", at=None))
    assert case.grid_code is None and case.assignee_openid == ADMIN
    assert case.number in (await pushed(ADMIN))[0]


async def test_no_grid_worker_goes_to_the_community_admin(db):
    await district()
    await Person.filter(openid=G01).update(role=Role.RESIDENT)
    case = await fresh(await report("garbage"))
    assert case.grid_code == "G01" and case.assignee_openid == ADMIN


async def test_unknown_category_is_refused_and_creates_nothing(db):
    await district()
    with pytest.raises(UnknownCategory):
        await submit_case(reporter_openid=RES, category_code="nope", description="", lat=None,
                          lng=None, address="", building_code=None, media_ids=[])
    assert await Case.all().count() == 0


async def test_duplicates_are_open_same_category_within_radius_nearest_first(db):
    await district()
    here = await report("garbage", at=(43.88600, 125.31800))
    near = await report("garbage", at=(43.88620, 125.31800))  # ~22 m north
    await report("garbage", at=(43.88600, 125.32000))  # ~160 m east: outside 50 m
    await report("street_vending", at=(43.88600, 125.31800))  # another category
    closed = await report("garbage", at=(43.88601, 125.31800))
    await transition(closed, "hide", "o-admin")
    found = await find_duplicates("garbage", 43.88605, 125.31800)
    assert [c.number for c in found] == [here.number, near.number]
    assert await find_duplicates("other", 43.886, 125.318) == []  # radius 0: never
    assert await find_duplicates("garbage", 43.80, 125.30) == []


async def test_in_a_burst_only_the_nearest_duplicates_are_read_whole(db):
    """Forty open cases within the radius (a snowstorm): the chat offers the nearest one, and
    the database orders them by distance and returns that one, not forty rows of cases."""
    await district()
    made = [await report("garbage", at=(43.88600 + i * 0.000005, 125.31800))
            for i in range(40)]
    here = (43.88600 + 17 * 0.000005, 125.31800)
    with count_statements() as record:
        found = await find_duplicates("garbage", *here, limit=1)
    assert [c.number for c in found] == [made[17].number]
    assert len(record) == 2, record.show()  # the facts' version, the nearest case
    assert "ORDER BY" in record.sql[-1] and "LIMIT" in record.sql[-1], record.sql[-1]
    nearest = await find_duplicates("garbage", *here, limit=5)
    assert [c.number for c in nearest] == [made[i].number for i in (17, 16, 18, 15, 19)]
    everything = await find_duplicates("garbage", *here)
    assert len(everything) == 40 and everything[:5] == nearest
    # The place is a parameter, not part of the text: the driver prepares it once for all.
    with count_statements() as elsewhere:
        await find_duplicates("garbage", 43.88700, 125.31900, limit=1)
    assert elsewhere.sql[-1] == record.sql[-1]
    # Read as tortoise would read it, every field.
    names = list(Case._meta.fields_db_projection)
    read = await Case.get(id=found[0].id)
    assert {n: getattr(found[0], n) for n in names} == {n: getattr(read, n) for n in names}


async def test_add_supporter_is_idempotent_and_not_for_the_reporter(db):
    await district()
    case = await report("garbage")
    assert await add_supporter(case, RES2, via="offered") is True
    assert await add_supporter(case, RES2, via="offered") is False
    assert await add_supporter(case, RES, via="offered") is False
    assert await Supporter.filter(case_id=case.id).count() == 1
    case = await fresh(case)
    assert case.supporters_count == 1
    assert "1 位居民 +1" in case_card(case)
    assert [e.action for e in await history(case)] == ["submit", "dispatch", "support"]
    text = await timeline(case)
    assert "上报" in text and "居民 +1" in text and case.number in text
