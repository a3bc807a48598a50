"""代录 (intake.submit_phoned): a case an operator enters for a caller or from a visit is routed
like any other and records its source; the caller is kept apart; with no WeChat reporter,
nobody is pushed to "" and nobody earns the reporter's points; bad input is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.open311.submit import create_request
from handlers.reports import awards, closing
from handlers.reports.errors import BadInput, NotAllowed, UnknownCategory
from handlers.reports.service import intake
from handlers.reports.service.intake import check_phone, submit_phoned
from handlers.reports.service.support import support_case
from handlers.reports.staff import queries as staff_queries
from handlers.reports.staff import service as staff
from handlers.reports.staff.auth import actor_name
from rewards import ledger
from storage import clock
from storage.core.models import OutboxMessage, Person, Photo, PhotoStatus
from storage.ledger.models import Award
from storage.reports.models import Case, CaseContact, CaseEvent, CaseSource, CaseStatus
from tests.support.open311 import api_key, form
from tests.support.reports_staff import ADMIN, G01, G02, IN_G01, RES, RES2, district, report

pytestmark = pytest.mark.usefixtures("db")

ROUTED = ("status", "grid_code", "community_code", "compound_code", "responsible",
          "assignee_openid", "department", "property_org")


@pytest.fixture
async def people():
    await district()
    return {p.openid: p for p in await Person.all()}


async def _upload(openid: str, name: str) -> str:
    now = clock.now()
    photo = await Photo.create(media_id=f"up_{name}", owner_kind="upload", owner_id="",
                               openid=openid, status=PhotoStatus.STORED, received_at=now,
                               next_attempt_at=now, path=f"ab/{name}.jpg")
    return photo.media_id


async def phoned(operator: Person, **changes) -> Case:
    fields = {"source": CaseSource.HOTLINE, "category": "garbage",
              "description": "来电反映：楼下垃圾堆了三天", "caller_name": "赵秀英",
              "caller_phone": "138 0000 1111", "lat": IN_G01[0], "lng": IN_G01[1],
              "building_code": None, "photo_ids": []}
    fields.update(changes)
    return await submit_phoned(operator, **fields)


async def _texts_to(openid: str) -> list[str]:
    rows = await OutboxMessage.filter(openid=openid).order_by("id")
    return [r.payload.get("text", "") for r in rows]


async def test_a_phoned_case_is_routed_like_any_other(people):
    chat = await report("garbage", at=IN_G01)
    case = await phoned(people[ADMIN])
    assert case.number.startswith("A") and case.number != chat.number
    case, chat = await Case.get(id=case.id), await Case.get(id=chat.id)
    assert [getattr(case, f) for f in ROUTED] == [getattr(chat, f) for f in ROUTED]
    assert (case.status, case.grid_code, case.assignee_openid) == (
        CaseStatus.DISPATCHED, "G01", G01)
    assert (case.resolve_due_at - case.accept_due_at) == (chat.resolve_due_at - chat.accept_due_at)
    assert abs((case.resolve_due_at - chat.resolve_due_at).total_seconds()) < 5
    assert (case.source, chat.source) == (CaseSource.HOTLINE, CaseSource.CHAT)
    assert case.reporter_openid == ""
    assert case.description == "来电反映：楼下垃圾堆了三天"
    assert case.address  # the point's label
    # The grid worker is told, as for any case.
    assert any(case.number in t for t in await _texts_to(G01))
    # The history: the operator entered it, the system dispatched it.
    events = await CaseEvent.filter(case_id=case.id).order_by("id")
    assert [(e.action, e.actor_openid) for e in events] == [("submit", ADMIN),
                                                           ("dispatch", "system")]
    # Staff see who entered it (a chat case's submitter stays "居民").
    shown = await staff_queries.file_of(case, people[ADMIN])
    assert [e.by for e in shown.history] == [actor_name(people[ADMIN]), staff_queries.SYSTEM]
    chat_file = await staff_queries.file_of(chat, people[ADMIN])
    assert chat_file.history[0].by == staff_queries.RESIDENT


async def test_the_caller_is_stored_apart(people):
    case = await phoned(people[ADMIN], source=CaseSource.VISIT, caller_name=" 赵秀英 ",
                        caller_phone="+86 138-0000-1111")
    contact = await CaseContact.get(case_id=case.id)
    assert (contact.name, contact.phone, contact.entered_by) == (
        "赵秀英", "+8613800001111", ADMIN)
    assert (await Case.get(id=case.id)).source is CaseSource.VISIT
    assert "13800001111" not in case.description
    # Name and phone are optional.
    other = await phoned(people[G02], caller_name="", caller_phone="", source="hotline")
    contact = await CaseContact.get(case_id=other.id)
    assert (contact.name, contact.phone, contact.entered_by) == ("", "", G02)


async def test_a_building_is_a_place(people):
    case = await phoned(people[ADMIN], lat=None, lng=None, building_code=" b13-1 ")
    case = await Case.get(id=case.id)
    assert (case.building_code, case.grid_code, case.assignee_openid) == ("B13-1", "G02", G02)
    assert case.lat is not None and case.lng is not None


async def test_the_operators_photos_are_attached(people):
    shots = [await _upload(ADMIN, "a"), await _upload(ADMIN, "b")]
    case = await phoned(people[ADMIN], photo_ids=[*shots, shots[0]])
    rows = await Photo.filter(owner_kind="report", owner_id=case.number).order_by("id")
    assert [(p.media_id, p.openid) for p in rows] == [(shots[0], ADMIN), (shots[1], ADMIN)]
    # Someone else's upload, or one already used, is refused; nothing is created.
    theirs = await _upload(RES, "c")
    before = await Case.all().count()
    with pytest.raises(BadInput):
        await phoned(people[ADMIN], photo_ids=[theirs])
    with pytest.raises(BadInput):
        await phoned(people[ADMIN], photo_ids=[shots[0]])
    with pytest.raises(BadInput):
        await phoned(people[ADMIN], photo_ids=["up_nothing"])
    four = [await _upload(ADMIN, n) for n in "defg"]
    with pytest.raises(BadInput):
        await phoned(people[ADMIN], photo_ids=four)
    assert await Case.all().count() == before
    assert await Photo.filter(media_id=theirs, owner_kind="upload").exists()


async def test_nobody_is_pushed_to_and_nobody_earns_for_the_empty_reporter(people):
    case = await phoned(people[ADMIN])
    n = case.number
    # A neighbour +1s it: they still hear about it and earn their points.
    assert await support_case(await Case.get(id=case.id), RES2, via="offered")
    await staff.accept(n, people[G01])
    await staff.start(n, people[G01])
    await staff.resolve(n, people[G01], "m-after", note="已清运")
    assert (await Case.get(id=case.id)).status is CaseStatus.RESOLVED
    assert any("已清运" in t for t in await _texts_to(RES2))
    clock.advance(timedelta(hours=73))
    assert await closing.auto_confirm_due() == 1
    await awards.award_due()
    case = await Case.get(id=case.id)
    assert (case.status, case.auto_confirmed) == (CaseStatus.CLOSED, True)
    assert await OutboxMessage.filter(openid="").count() == 0
    assert await Award.filter(openid="").count() == 0
    assert (await ledger.balance(RES2)).balance == 2
    assert any("自动确认" in t for t in await _texts_to(RES2))
    # Done: the sweep does not come back to it.
    assert await awards.award_due() == 0
    assert await Award.filter(subject=n).count() == 1


async def test_each_entrance_records_its_source(people, kv):
    chat = await report("garbage")
    shot = await _upload(RES, "m")
    mini = await intake.submit_report(people[RES], category="garbage", description="垃圾",
                                      photo_ids=[shot], lat=IN_G01[0], lng=IN_G01[1])
    created = await create_request(kv, form(await api_key()))
    sources = {c.number: c.source for c in await Case.all()}
    assert sources == {chat.number: CaseSource.CHAT, mini.number: CaseSource.MINIAPP,
                       created.service_request_id: CaseSource.OPEN311}


@pytest.mark.parametrize("typed, stored", [
    ("13800001111", "13800001111"), ("138 0000 1111", "13800001111"),
    ("１３８００００１１１１", "13800001111"), ("+86 138-0000-1111", "+8613800001111"),
    ("0431-85551234", "043185551234"), ("(0431) 8555 1234", "043185551234"),
    ("010-12345678", "01012345678"), ("85551234", "85551234"), ("", ""), ("  ", ""),
])
def test_phone_numbers_that_look_chinese(typed, stored):
    assert check_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "1380000111", "138000011112", "12800001111",
                                   "abc", "138abc01111", "+1 415 555 0100", "0431-123",
                                   "13800001111; drop"])
def test_phone_numbers_refused(typed):
    with pytest.raises(BadInput) as refused:
        check_phone(typed)
    assert "电话" in refused.value.reply


async def test_refusals_create_nothing(people):
    admin = people[ADMIN]
    bad = [
        ({"caller_phone": "12345"}, BadInput, "电话"),
        ({"lat": None, "lng": None, "building_code": "B99-9"}, BadInput, "B99-9"),
        ({"building_code": "B13-1"}, BadInput, "二选一"),
        ({"lat": None, "lng": None}, BadInput, "位置"),
        ({"lat": float("nan")}, BadInput, "经纬度"),
        ({"lat": 39.9, "lng": 116.4}, BadInput, ""),  # beyond the street
        ({"description": "  "}, BadInput, "描述"),
        ({"description": "很" * 301}, BadInput, "300"),
        ({"category": ""}, BadInput, "分类"),
        ({"category": "no-such"}, UnknownCategory, "no-such"),
        ({"source": CaseSource.CHAT}, BadInput, "来电"),
        ({"source": "fax"}, BadInput, "来电"),
        ({"caller_name": "名" * 31}, BadInput, "姓名"),
    ]
    for changes, error, words in bad:
        with pytest.raises(error) as refused:
            await phoned(admin, **changes)
        assert words in refused.value.reply, (changes, refused.value.reply)
    with pytest.raises(NotAllowed):
        await phoned(people[RES])
    assert await Case.all().count() == 0
    assert await CaseContact.all().count() == 0
    assert await OutboxMessage.all().count() == 0
