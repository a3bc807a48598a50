"""Reference facts kept in process (issue 17, ``storage.facts``): categories, the geography
and the staff's routing facts are read from the database only when the version row moved,
and database triggers move it on any change - also one made by another connection with raw
SQL, as an operator with ``psql`` or another process would."""

from __future__ import annotations

import re
import sqlite3

import asyncpg
import pytest

from handlers.categories.classifier import warm_up
from handlers.categories.queries import get_category
from handlers.geo import grids, places
from handlers.reports import routing
from storage import facts, readonce
from storage.core.models import Person, Role
from storage.reports.models import Case
from tests.support.reports import LAT, LNG, photo, place, report, report_bot
from tests.support.sqlcount import count_statements


async def elsewhere(backend, sql: str) -> None:
    """``sql`` committed by a connection of its own (not the app's pool)."""
    if backend.is_postgres:
        conn = await asyncpg.connect(backend.database_url.replace("postgres://", "postgresql://"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()
        return
    conn = sqlite3.connect(backend.database_url.removeprefix("sqlite://"), timeout=10)
    try:
        with conn:
            conn.execute(sql)
    finally:
        conn.close()


async def _menu(bot, openid: str) -> str:
    await warm_up()  # the classifier's first load could outlast the webhook's answer
    await photo(bot, openid)
    await place(bot, openid)
    return await bot.say(openid, "路灯不亮了晚上很黑") or ""


@pytest.fixture
def a_second_later(monkeypatch):
    """``storage.facts``' clock, stopped; calling the fixture moves it past ``SETTLED_FOR``:
    a message that only shows facts (``facts.settled``) then reads the version again."""
    now = [0.0]
    monkeypatch.setattr(facts, "_clock", lambda: now[0])
    facts.forget_recent()

    def advance() -> None:
        now[0] += facts.SETTLED_FOR

    yield advance
    facts.forget_recent()


async def test_a_category_renamed_elsewhere_is_seen_within_a_second(make_bot, tmp_path,
                                                                     backend, a_second_later):
    bot = await report_bot(make_bot, tmp_path)
    menu = await _menu(bot, "o-a")
    first = re.search(r"1\. (\S+)", menu)
    assert first, menu
    await photo(bot, "o-b")
    await place(bot, "o-b")
    with count_statements() as record:  # kept: only the version is read
        again = await bot.say("o-b", "路灯不亮了晚上很黑") or ""
    assert f"1. {first.group(1)}" in again
    assert not [s for s in record.labels() if "geo_category" in s], record.show()

    await elsewhere(backend, f"UPDATE geo_category SET name = '{first.group(1)}改'"
                             f" WHERE name = '{first.group(1)}'")
    # A message that only shows the menu may trust the version read less than a second ago.
    assert f"1. {first.group(1)}改" not in await _menu(bot, "o-c")
    a_second_later()
    assert f"1. {first.group(1)}改" in await _menu(bot, "o-c2")

    await elsewhere(backend, f"UPDATE geo_category SET active = {'false' if backend.is_postgres else 0}"
                             f" WHERE name = '{first.group(1)}改'")
    a_second_later()
    assert f"{first.group(1)}改" not in await _menu(bot, "o-d")


async def test_routing_follows_staff_changed_elsewhere(make_bot, tmp_path, backend):
    bot = await report_bot(make_bot, tmp_path)
    await Person.create(openid="o-grid2", role=Role.GRID_WORKER, name="李新", grid=None)
    assert "王梦苏" in (await report(bot, "o-r1") or "")
    assert (await Case.get(reporter_openid="o-r1")).assignee_openid == "o-grid"

    await elsewhere(backend, "UPDATE person SET grid = NULL WHERE openid = 'o-grid'")
    await elsewhere(backend, "UPDATE person SET grid = 'G01' WHERE openid = 'o-grid2'")
    reply = await report(bot, "o-r2", answer="不是")  # the same place: a new case after all
    assert "李新" in (reply or ""), reply
    assert (await Case.get(reporter_openid="o-r2")).assignee_openid == "o-grid2"

    # A resident's own changes (a new follower, a name) do not move the version.
    before = await facts.version()
    await elsewhere(backend, "INSERT INTO person (openid, app, role, name, phone, subscribed,"
                             " created_at, updated_at) VALUES ('o-new', 'oa', 'resident', '',"
                             " '', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    await elsewhere(backend, "UPDATE person SET name = '路人' WHERE openid = 'o-r1'")
    assert await facts.version() == before


async def test_a_building_renamed_elsewhere_names_the_place_within_a_second(
        make_bot, tmp_path, backend, a_second_later):
    bot = await report_bot(make_bot, tmp_path)
    await photo(bot, "o-a")
    reply = await place(bot, "o-a", LAT, LNG, label="") or ""
    named = re.search(r"已记下位置：(\S+?)附近", reply)
    assert named, reply
    await elsewhere(backend, f"UPDATE geo_building SET name = '新楼名' WHERE name = '{named.group(1)}'")
    a_second_later()
    await photo(bot, "o-b")
    assert "新楼名附近" in (await place(bot, "o-b", LAT, LNG, label="") or "")


async def test_kept_while_the_version_stands_reloaded_when_it_moves(db, backend):
    from handlers.geo.demo import load_geo_demo
    await load_geo_demo()
    await grids.locate(LAT, LNG)
    await grids.locate_building("B12-1")
    await get_category("garbage")
    built = grids.builds()
    with readonce.scope(), count_statements() as record:
        assert (await get_category("garbage")) is not None
        assert (await grids.locate(LAT, LNG)).grid == "G01"
        assert (await grids.locate_building("B12-1")).grid == "G01"
    assert record.labels() == ["SELECT linli_facts"], record.show()
    assert grids.builds() == built
    await elsewhere(backend, "UPDATE geo_grid SET name = '第一网格（新）' WHERE code = 'G01'")
    assert (await grids.locate(LAT, LNG)).grid_name == "第一网格（新）"
    assert grids.builds() == built + 1


async def test_outside_a_message_a_place_name_or_a_routing_reads_the_version_once(db):
    """The sweeps and the staff's side (no message scope): one statement for a whole place
    name, one for a whole routing, once the facts are loaded."""
    from handlers.geo.demo import load_geo_demo
    await load_geo_demo()
    await Person.create(openid="o-grid", role=Role.GRID_WORKER, name="王梦苏", grid="G01")
    category = await get_category("garbage")
    case = Case(grid_code="G01", community_code="FR", compound_code="MINGZHU")
    name = await places.place_name(LAT, LNG)
    found = await routing.assign(case, category)
    with count_statements() as record:
        assert await places.place_name(LAT, LNG) == name
        assert (await routing.assign(case, category)).assignee == found.assignee
    assert record.labels() == ["SELECT linli_facts"] * 2, record.show()


async def test_a_step_check_brings_the_facts_version_with_it(db, backend):
    """The 确认's check whether its step took effect before reads the facts' version in the
    same statement: the message's later look-ups read neither again."""
    from storage.core.models import ProcessedMessage
    from storage.dedup import step_done

    await ProcessedMessage.create(dedup_key="step:x:confirm", openid="o-a", reply="上报成功")
    version = await facts.version()
    with readonce.scope(), count_statements() as record:
        done = await step_done("step:x:confirm", with_facts=True)
        assert await facts.version() == version
    assert done is not None and done.reply == "上报成功" and done.openid == "o-a"
    assert len(record) == 1, record.show()
    with readonce.scope():
        assert await step_done("step:y:confirm", with_facts=True) is None
        await elsewhere(backend, "UPDATE linli_facts SET version = version + 1")  # it moves
        assert await facts.version() == version  # the message's one read stands
    assert await facts.version() != version
