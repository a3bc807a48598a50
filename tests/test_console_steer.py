"""Steering a case from the console (指挥中心): 派单/转派 to a named staff member, the property
or a department, 督办, 催办, 隐藏, internal notes, and 核查 (a resolution reviewed by someone
other than its resolver before the resident is asked). Each use case's refusals, its history
row and the pushes it causes; internal rows never reach residents (chat, API, Open311)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.categories.taxonomy import parse_categories
from handlers.geo.errors import GeoDataError
from handlers.geo.features import parse_collection
from handlers.open311.requests import documents_of
from handlers.reports import render
from handlers.reports.errors import BadInput, NotAllowed, UnknownCase, WrongState
from handlers.reports.lifecycle import history
from handlers.reports.sla import escalate_due
from handlers.reports.staff import service, steer
from storage import clock
from storage.core.models import OutboxMessage, Person, Photo, Role
from storage.geo.models import Category, Community
from storage.reports.models import Case, CaseEvent, CaseStatus
from tests.support.reports_staff import (
    ADMIN,
    DEPT,
    G01,
    G02,
    IN_G02,
    PROP,
    PROPERTY_ORG,
    RES,
    ROADS,
    district,
    fresh,
    pushed,
    report,
)

S = CaseStatus
STREET = "o-street"  # an admin who administers no community: the whole street
HS_ADMIN = "o-hs-admin"  # 和顺社区's admin: not 繁荣社区's cases
SECRET = "内部备注：举报人是三楼王某，别外传"


async def staff_world() -> None:
    """The demo district and its staff, a street admin and 和顺社区's admin."""
    await district()
    await Person.create(openid=STREET, role=Role.ADMIN, name="陈主任", org="南湖街道")
    await Person.create(openid=HS_ADMIN, role=Role.ADMIN, name="孙秀英", org="和顺社区")
    await Community.filter(code="HS").update(admin_openid=HS_ADMIN)


@pytest.fixture
async def world(db):
    await staff_world()
    return db


async def who(openid: str) -> Person:
    return await Person.get(openid=openid)


async def actions(case: Case) -> list[str]:
    return [e.action for e in await history(case)]


async def last(case: Case) -> CaseEvent:
    return (await history(case))[-1]


async def rows(openid: str) -> list[OutboxMessage]:
    return await OutboxMessage.filter(openid=openid, kind="text").order_by("id")


async def accepted(category: str = "garbage", **kw) -> Case:
    case = await report(category, **kw)
    await service.accept(case.number, await who(case.assignee_openid or G01))
    return await fresh(case)


async def require_review(category: str = "garbage") -> None:
    await Category.filter(code=category).update(review_required=True)


def near_now(moment) -> bool:
    return moment is not None and abs(moment - clock.now()) < timedelta(seconds=5)


def to_local(hour: int, minute: int = 0) -> None:
    """Move the clock to the next ``hour``:``minute`` in Shanghai."""
    now = clock.local()
    then = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    clock.advance((then if then > now else then + timedelta(days=1)) - now)


# -- who may steer -------------------------------------------------------------------------


async def test_may_steer_is_for_admins_whose_scope_covers_the_case(world):
    case = await report("garbage")  # G01, 繁荣社区
    assert await steer.may_steer(case, await who(ADMIN))  # the community's admin
    assert await steer.may_steer(case, await who(STREET))  # a street admin
    assert not await steer.may_steer(case, await who(HS_ADMIN))  # another community's
    for openid in (G01, G02, PROP, DEPT, RES):  # acting on it is not steering it
        assert not await steer.may_steer(case, await who(openid))


async def test_every_steering_use_case_refuses_who_may_not_steer(world):
    case = await report("garbage")
    for openid in (G01, HS_ADMIN, RES):
        person = await who(openid)
        with pytest.raises(NotAllowed):
            await steer.assign_to(case.number, person, "property")
        with pytest.raises(NotAllowed):
            await steer.supervise(case.number, person, "尽快处理")
        with pytest.raises(NotAllowed):
            await steer.remind(case.number, person)
        with pytest.raises(NotAllowed):
            await steer.hide(case.number, person, "重复")
    with pytest.raises(UnknownCase):
        await steer.supervise("A99999", await who(ADMIN), "尽快")
    assert await actions(case) == ["submit", "dispatch"]
    assert (await fresh(case)).supervised_at is None


# -- 派单 / 转派 --------------------------------------------------------------------------------


async def test_assignable_staff_are_the_people_who_may_act(world):
    case = await report("garbage")  # G01, 明珠小区, department 市容环境卫生局
    env = await Person.create(openid="o-env", role=Role.DEPARTMENT, name="钱卫",
                              org="朝阳区市容环境卫生局")
    names = [p.openid for p in await steer.assignable_staff(case)]
    assert set(names) == {G01, G02, PROP, env.openid, ADMIN}  # G02 is G01's deputy
    assert DEPT not in names and STREET not in names and HS_ADMIN not in names


async def test_assign_to_a_named_staff_member(world):
    case = await accepted("garbage")
    admin = await who(ADMIN)
    before = len(await pushed(G02))
    moved = await steer.assign_to(case.number, admin, f"staff:{G02}")
    case = await fresh(case)
    assert (case.assignee_openid, case.responsible, case.status) == (G02, "grid", S.ACCEPTED)
    event = await last(case)
    assert (event.action, event.actor_openid) == ("transfer", ADMIN)  # 转派: status kept
    assert "李建国" in event.note
    told = (await pushed(G02))[before:]
    assert len(told) == 1 and "【派单】" in told[0] and case.number in told[0]
    assert "张丽" in told[0]  # who sent it
    assert any("已转交网格员处理" in m for m in await pushed(RES))
    assert moved.number == case.number
    # The same person again: already there; a person who may not act on it: refused.
    with pytest.raises(WrongState):
        await steer.assign_to(case.number, admin, f"staff:{G02}")
    with pytest.raises(BadInput):
        await steer.assign_to(case.number, admin, "staff:o-nobody")
    with pytest.raises(BadInput):
        await steer.assign_to(case.number, admin, f"staff:{DEPT}")  # roads: not garbage's
    with pytest.raises(BadInput):
        await steer.assign_to(case.number, admin, "隔壁")
    assert await actions(case) == ["submit", "dispatch", "accept", "transfer"]


async def test_assign_to_a_property_manager_makes_the_property_responsible(world):
    case = await report("garbage")
    await steer.assign_to(case.number, await who(STREET), f"staff:{PROP}")
    case = await fresh(case)
    assert (case.assignee_openid, case.responsible, case.property_org) == (
        PROP, "property", PROPERTY_ORG)
    assert any("已转交物业处理" in m for m in await pushed(RES))
    # To the community's admin: the resident hears the community has it.
    await steer.assign_to(case.number, await who(STREET), f"staff:{ADMIN}")
    case = await fresh(case)
    assert (case.assignee_openid, case.responsible) == (ADMIN, "grid")
    assert any("已转交社区处理" in m for m in await pushed(RES))
    assert any("【派单】" in m for m in await pushed(ADMIN))


async def test_a_reopened_case_is_dispatched(world):
    case = await report("garbage")
    await Case.filter(id=case.id).update(status=S.REOPENED)
    await steer.assign_to(case.number, await who(ADMIN), "property")
    case = await fresh(case)
    assert (case.status, case.assignee_openid, case.responsible) == (S.DISPATCHED, PROP,
                                                                     "property")
    event = await last(case)
    assert (event.action, event.from_status, event.to_status) == ("dispatch", "reopened",
                                                                  "dispatched")
    assert event.note.startswith("派单至物业")
    assert any("【派单】" in m for m in await pushed(PROP))


async def test_assign_to_the_property_and_the_department_as_transfer_does(world):
    case = await report("road_damage", at=IN_G02)  # department: roads, no compound
    assert case.responsible == "department" and case.assignee_openid == DEPT
    admin = await who(ADMIN)
    with pytest.raises(WrongState, match="不在任何小区内"):
        await steer.assign_to(case.number, admin, "property")
    with pytest.raises(WrongState, match="已经由"):
        await steer.assign_to(case.number, admin, "department")
    await steer.assign_to(case.number, admin, f"staff:{G02}")
    await steer.assign_to(case.number, admin, "department")
    case = await fresh(case)
    assert (case.assignee_openid, case.responsible, case.department) == (DEPT, "department",
                                                                         ROADS)
    told = [m for m in await pushed(DEPT) if "【吹哨转派】" in m]
    assert len(told) == 1 and "转派至朝阳区市政设施维护中心" in told[0]
    assert any("已转交职能部门处理" in m for m in await pushed(RES))


async def test_an_urgent_category_is_assigned_urgently(world):
    # 井盖缺失: accept within 1 h, at 23:30 local: the push may not wait for the morning.
    to_local(23, 30)
    case = await report("manhole_cover", at=IN_G02)
    await steer.assign_to(case.number, await who(ADMIN), f"staff:{G02}")
    row = (await rows(G02))[-1]
    assert "【派单】" in row.payload["text"] and row.urgent


async def test_only_open_cases_are_assigned(world):
    case = await report("garbage")
    await steer.hide(case.number, await who(ADMIN), "重复上报")
    with pytest.raises(WrongState):
        await steer.assign_to(case.number, await who(ADMIN), "property")


# -- 督办 / 催办 / 隐藏 -------------------------------------------------------------------------


async def test_supervise_marks_the_case_and_tells_assignee_and_deputy_urgently(world):
    case = await accepted("garbage")  # G01's; G02 is G01's deputy
    admin = await who(ADMIN)
    with pytest.raises(BadInput):
        await steer.supervise(case.number, admin, "  ")
    assert (await fresh(case)).supervised_at is None
    await steer.supervise(case.number, admin, "今天下班前清运完毕")
    case = await fresh(case)
    assert near_now(case.supervised_at)
    first = case.supervised_at
    event = await last(case)
    assert (event.action, event.actor_openid, event.note) == ("supervise", ADMIN,
                                                              "今天下班前清运完毕")
    assert event.from_status == event.to_status == "accepted"
    for openid in (G01, G02):
        row = (await rows(openid))[-1]
        assert "【督办】" in row.payload["text"] and "今天下班前清运完毕" in row.payload["text"]
        assert row.urgent
    assert not any("今天下班前" in m for m in await pushed(RES))
    # A second 督办 is another history row and another push; supervised since the first.
    clock.advance(timedelta(hours=1))
    await steer.supervise(case.number, await who(STREET), "街道督办")
    assert (await fresh(case)).supervised_at == first
    assert "街道督办" in (await pushed(G02))[-1]
    # Closed cases are not supervised.
    await Case.filter(id=case.id).update(status=S.CLOSED)
    with pytest.raises(WrongState):
        await steer.supervise(case.number, admin, "再督办")


async def test_remind_tells_the_assignee_once_an_hour(world):
    case = await accepted("garbage")
    street = await who(STREET)
    before = len(await pushed(G01))
    await steer.remind(case.number, street)
    event = await last(case)
    assert (event.action, event.actor_openid) == ("remind", STREET)
    told = (await pushed(G01))[before:]
    assert len(told) == 1 and "【催办】" in told[0] and case.number in told[0]
    clock.advance(timedelta(minutes=59))
    with pytest.raises(WrongState, match="1 小时内不能重复催办"):
        await steer.remind(case.number, street)
    clock.advance(timedelta(minutes=2))
    await steer.remind(case.number, await who(ADMIN))
    assert (await actions(case)).count("remind") == 2
    assert not any("催办" in m for m in await pushed(RES))


async def test_remind_needs_an_assignee_and_an_open_case(world):
    case = await report("garbage")
    await Case.filter(id=case.id).update(assignee_openid=None)
    with pytest.raises(WrongState, match="没有负责人"):
        await steer.remind(case.number, await who(ADMIN))
    await Case.filter(id=case.id).update(assignee_openid=G01, status=S.REJECTED)
    with pytest.raises(WrongState):
        await steer.remind(case.number, await who(ADMIN))
    assert "remind" not in await actions(case)


async def test_hide_needs_a_reason(world):
    case = await report("garbage")
    admin = await who(ADMIN)
    with pytest.raises(BadInput):
        await steer.hide(case.number, admin, "")
    assert (await fresh(case)).status is S.DISPATCHED
    await steer.hide(case.number, admin, "含他人隐私照片")
    case = await fresh(case)
    assert case.status is S.HIDDEN
    event = await last(case)
    assert (event.action, event.note, event.actor_openid) == ("hide", "含他人隐私照片", ADMIN)
    with pytest.raises(WrongState):
        await steer.hide(case.number, admin, "再隐藏")


# -- internal notes ------------------------------------------------------------------------


async def test_notes_are_for_staff_who_may_act_or_steer(world):
    case = await report("garbage")
    await steer.add_note(case.number, await who(G01), "已电话联系物业")  # may act
    await steer.add_note(case.number, await who(STREET), "关注")  # may steer
    for openid in (PROP, DEPT, RES):  # not the property's case, nor the roads'
        with pytest.raises(NotAllowed):
            await steer.add_note(case.number, await who(openid), "看看")
    with pytest.raises(BadInput):
        await steer.add_note(case.number, await who(G01), " ")
    with pytest.raises(BadInput):
        await steer.add_note(case.number, await who(G01), "长" * 501)
    notes = [(e.action, e.actor_openid, e.note) for e in await history(case)
             if e.action == "note"]
    assert notes == [("note", G01, "已电话联系物业"), ("note", STREET, "关注")]
    assert (await fresh(case)).status is S.DISPATCHED
    assert not any("已电话联系物业" in (r.payload.get("text") or "")
                   for r in await OutboxMessage.all())


# -- 核查 -----------------------------------------------------------------------------------


def test_needs_review_follows_the_category_or_the_community_flag():
    case = Case(number="A1", category_code="garbage", community_code="FR")
    plain, flagged = Category(code="garbage"), Category(code="garbage", review_required=True)
    community, strict = Community(code="FR"), Community(code="FR", review_required=True)
    assert not steer.needs_review(case, plain, community)
    assert not steer.needs_review(case, None, None)
    assert steer.needs_review(case, flagged, community)
    assert steer.needs_review(case, plain, strict)
    assert steer.needs_review(case, None, strict)


async def test_without_the_flag_a_resolution_asks_the_resident_at_once(world):
    case = await accepted("garbage")
    await service.resolve(case.number, await who(G01), "media-after-1", "已清运")
    case = await fresh(case)
    assert case.status is S.RESOLVED and case.confirm_due_at is not None
    assert service.resolved_reply(case).endswith("已请居民确认评价。")
    assert any("满意" in m for m in await pushed(RES))


async def test_with_the_category_flag_the_resolution_waits_for_review(world):
    await require_review("garbage")
    case = await accepted("garbage")
    before = len(await pushed(RES))
    await service.resolve(case.number, await who(G01), "media-after-1", "已清运")
    case = await fresh(case)
    assert (case.status, case.confirm_due_at) == (S.REVIEWING, None)
    assert near_now(case.resolved_at)
    assert "核查" in service.resolved_reply(case)
    event = await last(case)
    assert (event.action, event.to_status, event.note) == ("resolve_review", "reviewing",
                                                           "已清运")
    assert await Photo.filter(owner_kind="report_after", owner_id=case.number).count() == 1
    assert (await pushed(RES))[before:] == []  # the resident is not asked yet
    asked = [m for m in await pushed(ADMIN) if "【待核查】" in m]  # the community admin
    assert len(asked) == 1 and "已清运" in asked[0]
    assert render.status_name(case) == "待核查"
    # Nobody resolves it again, and the resident cannot confirm it yet.
    with pytest.raises(WrongState, match="待核查"):
        await service.resolve(case.number, await who(G01), "media-after-2")


async def test_the_community_flag_requires_review_and_the_deputy_reviews_without_admin(world):
    await Community.filter(code="FR").update(review_required=True, admin_openid=None)
    case = await accepted("garbage")
    await service.resolve(case.number, await who(G01), "media-after-1")
    assert (await fresh(case)).status is S.REVIEWING
    assert any("【待核查】" in m for m in await pushed(G02))  # G01's deputy


async def test_the_resolver_cannot_review_their_own_resolution(world):
    await require_review("garbage")
    case = await accepted("garbage")
    await service.resolve(case.number, await who(G01), "media-after-1", "已清运")
    with pytest.raises(NotAllowed, match="本人办结"):
        await steer.review(case.number, await who(G01), True)
    # An admin who resolves is no reviewer of it either.
    other = await accepted("garbage")
    await service.resolve(other.number, await who(ADMIN), "media-after-2")
    with pytest.raises(NotAllowed):
        await steer.review(other.number, await who(ADMIN), True)
    asked = [m for m in await pushed(G02) if "【待核查】" in m and other.number in m]
    assert len(asked) == 1  # the admin resolved it: the deputy is asked instead
    for number in (case.number, other.number):
        assert (await Case.get(number=number)).status is S.REVIEWING


async def test_review_refusals(world):
    await require_review("garbage")
    case = await accepted("garbage")
    with pytest.raises(WrongState, match="不是待核查"):
        await steer.review(case.number, await who(ADMIN), True)
    await service.resolve(case.number, await who(G01), "media-after-1")
    for openid in (RES, PROP, DEPT):
        with pytest.raises(NotAllowed):
            await steer.review(case.number, await who(openid), True)
    with pytest.raises(BadInput):
        await steer.review(case.number, await who(ADMIN), False, " ")
    assert (await fresh(case)).status is S.REVIEWING


async def test_approval_asks_the_resident_as_a_plain_resolution_does(world):
    await require_review("garbage")
    case = await accepted("garbage")
    await service.resolve(case.number, await who(G01), "media-after-1", "已清运")
    clock.advance(timedelta(hours=2))
    await steer.review(case.number, await who(G02), True, "现场照片清楚")  # the deputy
    case = await fresh(case)
    assert case.status is S.RESOLVED
    assert near_now(case.confirm_due_at - service.CONFIRM_TIME)
    event = await last(case)
    assert (event.action, event.actor_openid, event.to_status) == ("review_ok", G02,
                                                                   "resolved")
    asked = [m for m in await pushed(RES) if "满意" in m]
    assert len(asked) == 1 and "已清运" in asked[0] and "现场照片清楚" not in asked[0]
    assert any("【核查通过】" in m for m in await pushed(G01))


async def test_sending_back_returns_the_case_to_its_handler(world):
    await require_review("garbage")
    case = await accepted("garbage")
    await service.resolve(case.number, await who(G01), "media-after-1", "已清运")
    await steer.review(case.number, await who(ADMIN), False, "照片看不清垃圾是否清完")
    case = await fresh(case)
    assert (case.status, case.resolved_at, case.confirm_due_at) == (S.IN_PROGRESS, None, None)
    event = await last(case)
    assert (event.action, event.note) == ("review_back", "照片看不清垃圾是否清完")
    told = [m for m in await pushed(G01) if "【核查退回】" in m]
    assert len(told) == 1 and "照片看不清垃圾是否清完" in told[0]
    assert not any("照片看不清" in m for m in await pushed(RES))
    # Resolved again, and approved by someone else this time.
    await service.resolve(case.number, await who(G01), "media-after-2", "已全部清运")
    await steer.review(case.number, await who(STREET), True)
    assert (await fresh(case)).status is S.RESOLVED
    assert [m for m in await pushed(RES) if "满意" in m][-1].count("已全部清运") == 1


async def test_a_case_under_review_is_not_overdue_for_resolving(world):
    await require_review("garbage")
    case = await accepted("garbage")
    await service.resolve(case.number, await who(G01), "media-after-1")
    clock.advance(case.resolve_due_at + timedelta(hours=1) - clock.now())
    assert await escalate_due() == 0
    assert not (await fresh(case)).overdue
    await steer.review(case.number, await who(ADMIN), False, "没清完")
    assert await escalate_due() == 1  # back in progress, past its deadline
    assert (await fresh(case)).overdue


# -- nothing internal reaches residents ------------------------------------------------------


async def steered_case() -> Case:
    """A case with every internal row: a note, 督办, 催办, a review sent back, then approved."""
    await require_review("garbage")
    case = await accepted("garbage")
    admin = await who(ADMIN)
    await steer.add_note(case.number, admin, SECRET)
    await steer.supervise(case.number, admin, "督办要求：" + SECRET)
    await steer.remind(case.number, admin)
    await service.resolve(case.number, await who(G01), "media-after-1", "已清运")
    await steer.review(case.number, admin, False, "退回：" + SECRET)
    await service.resolve(case.number, await who(G01), "media-after-2", "已全部清运")
    await steer.review(case.number, admin, True, "通过：" + SECRET)
    return await fresh(case)


async def test_residents_timeline_has_no_internal_rows(world):
    case = await steered_case()
    assert case.status is S.RESOLVED
    shown = await render.public_events(case)
    assert [e.action for e in shown] == ["submit", "dispatch", "accept", "resolve"]
    assert shown[-1].note == "已全部清运"  # the approved resolution, the resolver's words
    for public in (False, True):
        text = await render.timeline(case, public)
        assert "三楼王某" not in text and "督办" not in text and "催办" not in text
        assert "核查" not in text and "处理完成：已全部清运" in text
    staff = await render.timeline(case, staff=True)
    assert SECRET in staff and "指挥中心督办" in staff and "核查退回" in staff
    assert not any("三楼王某" in m for m in await pushed(RES))


async def test_open311_documents_show_no_internal_rows(world):
    case = await steered_case()
    [document] = await documents_of([case])
    assert document.status == "closed"
    assert document.status_notes == "处理完成"
    assert "三楼王某" not in str(vars(document))
    # While a note or 督办 is the latest row, the note shown is the last public one.
    other = await accepted("garbage")
    await steer.add_note(other.number, await who(ADMIN), SECRET)
    await steer.supervise(other.number, await who(ADMIN), SECRET)
    [document] = await documents_of([await fresh(other)])
    assert document.status_notes == "接单" and "三楼王某" not in str(vars(document))


@pytest.fixture
async def chat(make_bot, tmp_path):
    """The running app over the same district as ``world``."""
    bot = await make_bot(media_dir=tmp_path / "media")
    await staff_world()
    return bot


async def test_chat_shows_residents_no_internal_rows_and_staff_all(chat):
    bot = chat
    case = await steered_case()
    for openid in (RES, G01):  # the reporter, and staff through 查 (the resident's view)
        reply = await bot.say(openid, f"查 {case.number}")
        assert "处理完成：已全部清运" in reply, reply
        assert "三楼王某" not in reply and "核查" not in reply and "催办" not in reply
    reply = await bot.say(RES, "我的上报")
    assert case.number in reply and "三楼王某" not in reply
    staff = await bot.say(G01, f"案件 {case.number}")  # staff's 案件: the whole history
    assert SECRET in staff and "核查退回" in staff and "指挥中心督办" in staff


async def test_chat_complete_while_reviewing_is_refused(chat):
    bot = chat
    await require_review("garbage")
    case = await accepted("garbage")
    await service.resolve(case.number, await who(G01), "media-after-1")
    reply = await bot.say(G01, f"完成 {case.number}")
    assert "待核查" in reply and "不能办结" in reply
    assert (await fresh(case)).status is S.REVIEWING


async def test_api_report_detail_shows_no_internal_rows(chat, api_for):
    case = await steered_case()
    alice = await api_for(chat).login(RES)
    status, body = await alice.get(f"/reports/{case.number}")
    assert status == 200, body
    assert [e["action"] for e in body["timeline"]] == ["submit", "dispatch", "accept",
                                                      "resolve"]
    assert body["timeline"][-1]["note"] == "已全部清运"
    assert body["actions"] == ["confirm", "rate", "reopen"]
    assert "三楼王某" not in str(body)
    # Staff's own view (GET /staff/cases/…) keeps the internal rows.
    worker = await api_for(chat).login(G01)
    status, body = await worker.get(f"/staff/cases/{case.number}")
    assert status == 200, body
    assert SECRET in str(body) and "review_back" in str(body)


def test_categories_file_takes_review_required():
    entry = {"code": "garbage", "name": "垃圾堆放", "responsible": "grid",
             "accept_sla_hours": 4, "resolve_sla_hours": 24}
    [row] = parse_categories({"categories": [entry]})
    assert row["review_required"] is False
    [row] = parse_categories({"categories": [{**entry, "review_required": True}]})
    assert row["review_required"] is True
    with pytest.raises(GeoDataError, match="review_required must be true or false"):
        parse_categories({"categories": [{**entry, "review_required": "yes"}]})


def test_district_file_takes_a_communitys_review_required():
    def community(**extra):
        return {"type": "FeatureCollection", "features": [{
            "type": "Feature", "geometry": None,
            "properties": {"kind": "community", "code": "FR", "name": "繁荣社区",
                           "street": "NANHU", **extra}}]}
    assert parse_collection(community())[0].attrs["review_required"] is False
    spec = parse_collection(community(review_required=True))[0]
    assert spec.attrs["review_required"] is True
    with pytest.raises(GeoDataError, match="review_required must be true or false"):
        parse_collection(community(review_required=1))
