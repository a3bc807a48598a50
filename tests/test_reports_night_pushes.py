"""Urgent work does not wait for the morning: at 04:05 Shanghai time, staff given work whose
SLA ends before 07:00 hear at once through their best channel; routine work and residents'
progress notices wait for 07:00."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest

from bot.config import SANDBOX_APPID, SANDBOX_SECRET
from bot.wechat.client import WeChatClient
from bot.wechat.messenger import WeChatMessenger
from bot.wechat.retry import RetryPolicy
from handlers import outbox
from handlers.reports import sla
from handlers.reports.bulletin import notify as bulletin_notify
from handlers.reports.bulletin import queries as bulletin
from handlers.reports.service import feedback
from handlers.wishes.service.posting import WishDraft, post
from storage import clock
from storage.core.models import OutboxMessage, OutboxStatus, Person, WishKind
from storage.geo.models import Category, Responsible
from storage.reports.models import Case, CaseStatus
from tests.support.push import (
    CUSTOM,
    SUB,
    SUBSCRIBE,
    TEMPLATE,
    advance_to_local,
    content,
    messenger_with_all_channels,
    sent,
)
from tests.support.reports_staff import (
    ADMIN,
    DEPT,
    G01,
    G02,
    PROP,
    RES,
    ROADS,
    district,
    report,
)

HOLE = "night_hole"  # like 井盖缺失, handled by the grid: accept within 1 h, resolve within 8 h
ROUTINE = "routine"  # like 小广告: accept within 24 h, resolve within 72 h
STAFF = (G01, G02, DEPT, PROP, ADMIN)


@pytest.fixture
async def night(make_bot, sandbox, kv):
    """The demo district with two more categories; the clock at 04:05 (Shanghai) tomorrow."""
    bot = await make_bot()
    await district()
    await Category.create(code=HOLE, name="井盖缺失", responsible=Responsible.GRID,
                          department=ROADS, accept_sla_hours=1, resolve_sla_hours=8,
                          duplicate_radius_m=0)
    await Category.create(code=ROUTINE, name="小广告", responsible=Responsible.GRID,
                          accept_sla_hours=24, resolve_sla_hours=72, duplicate_radius_m=0)
    async with messenger_with_all_channels(sandbox, kv) as messenger:
        yield bot, messenger


def open_windows(sandbox, *openids: str) -> None:
    """They wrote to the account lately: customer-service messages reach them."""
    for openid in openids:
        sandbox.state.observe_inbound(openid)


def seven_today():
    return clock.local().replace(hour=7, minute=0, second=0, microsecond=0)


async def rows(openid: str) -> list[OutboxMessage]:
    return await OutboxMessage.filter(openid=openid).order_by("id")


async def held_till_seven(openid: str) -> bool:
    found = await rows(openid)
    return bool(found) and all(
        not r.urgent and r.status is OutboxStatus.PENDING
        and clock.local(r.next_attempt_at) == seven_today() for r in found)


def texts_to(sandbox, openid: str) -> list[str]:
    return [content(m) for m in sent(sandbox, openid)]


async def test_a_missing_manhole_cover_reaches_the_grid_worker_at_once(night, sandbox):
    bot, messenger = night
    open_windows(sandbox, *STAFF, RES)
    advance_to_local(4, 5)
    case = await report(HOLE, description="井盖没了，很危险")
    [row] = await rows(G01)
    assert row.urgent and row.next_attempt_at <= clock.now()  # due at once
    result = await outbox.deliver_due(messenger)
    assert (result.sent, result.quiet) == (1, 0)
    [msg] = sent(sandbox, G01)
    assert msg["endpoint"] == CUSTOM and "【新案件】" in content(msg) and case.number in content(msg)
    assert clock.local(case.accept_due_at).strftime("%H:%M") == "05:05"

    # The grid worker accepts at 04:10: the reporter's progress notice waits for 07:00.
    clock.advance(timedelta(minutes=5))
    assert "已受理" in await bot.say(G01, f"接单 {case.number}")
    assert await held_till_seven(RES)
    assert (await outbox.deliver_due(messenger)).sent == 0
    assert sent(sandbox, RES) == []
    advance_to_local(7, 0)
    assert (await outbox.deliver_due(messenger)).sent == 1
    assert any("已受理" in t for t in texts_to(sandbox, RES))


async def test_a_routine_case_at_night_waits_for_seven(night, sandbox):
    _bot, messenger = night
    open_windows(sandbox, *STAFF, RES)
    advance_to_local(4, 5)
    case = await report(ROUTINE, description="电线杆上贴满小广告")
    assert await held_till_seven(G01)
    result = await outbox.deliver_due(messenger)
    assert (result.sent, sent(sandbox, G01)) == (0, [])
    advance_to_local(6, 59)
    assert (await outbox.deliver_due(messenger)).sent == 0
    clock.advance(timedelta(minutes=1))
    assert (await outbox.deliver_due(messenger)).sent == 1
    assert case.number in texts_to(sandbox, G01)[0]


async def test_the_departments_and_property_managers_notices_and_copies_go_at_once(
        night, sandbox):
    _bot, messenger = night
    open_windows(sandbox, *STAFF)
    advance_to_local(4, 5)
    manhole = await report("manhole_cover", description="井盖缺失")  # the department's, 1 h
    elevator = await report("elevator", description="电梯困人")  # 明珠小区's property, 1 h
    stairwell = await report("stairwell", description="楼道灯坏了")  # the property's, 8 h
    await outbox.deliver_due(messenger)
    assert any("【新案件】" in t and manhole.number in t for t in texts_to(sandbox, DEPT))
    assert any("【物业请报到】" in t and elevator.number in t for t in texts_to(sandbox, PROP))
    copies = [t for t in texts_to(sandbox, G01) if "【抄送】" in t]  # the grid keeps an eye
    assert {n for n in (manhole.number, elevator.number) if any(n in t for t in copies)} == {
        manhole.number, elevator.number}
    # The 8 h stairwell case waits for the morning, the property's notice and the copy alike.
    for openid in (PROP, G01):
        assert not any(stairwell.number in t for t in texts_to(sandbox, openid))
        waiting = [r for r in await rows(openid) if stairwell.number in r.payload["text"]]
        assert waiting and all(not r.urgent and r.status is OutboxStatus.PENDING
                               for r in waiting)


async def test_urgent_notices_take_the_best_channel_and_fall_back_as_by_day(
        night, sandbox, kv):
    _bot, messenger = night
    # Nobody wrote lately. The grid worker granted a subscribe message; the department has
    # only the template message.
    await outbox.record_subscribe_grant(G01, SUB, 1)
    sandbox.state.grant_subscribe(G01, SUB, 1)
    advance_to_local(4, 5)
    await report("manhole_cover", description="井盖缺失")
    result = await outbox.deliver_due(messenger)
    assert (result.sent, result.quiet, result.held) == (2, 0, 0)
    assert [m["endpoint"] for m in sent(sandbox, G01)] == [SUBSCRIBE]
    assert [m["endpoint"] for m in sent(sandbox, DEPT)] == [TEMPLATE]


async def test_an_urgent_notice_no_channel_takes_is_held_for_the_next_message(
        night, sandbox, kv):
    _bot, _messenger = night
    async with aiohttp.ClientSession() as http:  # no template configured, no grant
        client = WeChatClient(http, kv, SANDBOX_APPID, SANDBOX_SECRET, sandbox.url,
                              retry=RetryPolicy(attempts=1, base_delay=0.01))
        messenger = WeChatMessenger(client)
        advance_to_local(4, 5)
        await report(HOLE, description="井盖没了")
        result = await outbox.deliver_due(messenger)
        assert (result.held, result.quiet, result.sent) == (1, 0, 0)
        [row] = await rows(G01)
        # Held like any refused message (not parked till 07:00): it waits for their message.
        assert row.status is OutboxStatus.PENDING and "45015" in row.last_error
        assert row.next_attempt_at > clock.now() + timedelta(days=30)
        # The grid worker writes at 04:30: it goes out then, not at seven.
        clock.advance(timedelta(minutes=25))
        open_windows(sandbox, G01)
        assert await outbox.release_held(G01) == 1
        assert (await outbox.deliver_due(messenger)).sent == 1
        assert [m["endpoint"] for m in sent(sandbox, G01)] == [CUSTOM]


async def test_escalation_and_reminder_at_night_follow_the_category(night, sandbox):
    _bot, messenger = night
    open_windows(sandbox, *STAFF, RES)
    advance_to_local(3, 0)
    hole = await report(HOLE, description="井盖没了")
    await outbox.deliver_due(messenger)  # the 03:00 dispatch notice
    advance_to_local(4, 5)  # not accepted by 04:00
    assert await sla.escalate_due() == 1
    for openid, mark in ((G02, "【超时督办】"), (G01, "【超时提醒】"), (DEPT, "【吹哨报到】")):
        [row] = [r for r in await rows(openid) if mark in r.payload["text"]]
        assert row.urgent, openid
    assert await held_till_seven(RES)
    await outbox.deliver_due(messenger)
    assert any("【超时督办】" in t and hole.number in t for t in texts_to(sandbox, G02))
    assert any("【超时提醒】" in t for t in texts_to(sandbox, G01))
    assert any("【吹哨报到】" in t for t in texts_to(sandbox, DEPT))
    assert sent(sandbox, RES) == []


async def test_a_routine_escalation_at_night_waits(night, sandbox):
    _bot, messenger = night
    open_windows(sandbox, *STAFF)
    advance_to_local(4, 5)
    await report(ROUTINE, description="小广告")
    clock.advance(timedelta(hours=24, minutes=1))  # 04:06 next day: not accepted in 24 h
    open_windows(sandbox, *STAFF)
    assert await sla.escalate_due() == 1
    overdue = [r for r in await rows(G02) if "超时" in r.payload["text"]]
    assert overdue and not any(r.urgent for r in overdue)
    await outbox.deliver_due(messenger)
    assert not any("超时" in t for t in texts_to(sandbox, G02))


async def test_a_whistle_at_night_reaches_the_department_at_once(night, sandbox):
    bot, messenger = night
    open_windows(sandbox, *STAFF, RES)
    advance_to_local(4, 5)
    hole = await report(HOLE, description="井盖没了")
    routine = await report(ROUTINE, description="小广告")  # in 明珠小区
    assert "市政" in await bot.say(G01, f"转派 {hole.number} 部门")
    assert "物业" in await bot.say(G01, f"转派 {routine.number} 物业")
    [to_dept] = [r for r in await rows(DEPT) if "【吹哨转派】" in r.payload["text"]]
    [to_prop] = [r for r in await rows(PROP) if "【吹哨转派】" in r.payload["text"]]
    assert to_dept.urgent and not to_prop.urgent
    await outbox.deliver_due(messenger)
    assert any(hole.number in t for t in texts_to(sandbox, DEPT))
    assert sent(sandbox, PROP) == [] and sent(sandbox, RES) == []  # the 转交 notices wait


async def resolved(case: Case) -> Case:
    await Case.filter(id=case.id).update(status=CaseStatus.RESOLVED, resolved_at=clock.now(),
                                         confirm_due_at=clock.now() + timedelta(hours=72),
                                         accepted_at=clock.now(), assignee_openid=G01)
    return await Case.get(id=case.id)


async def test_reopened_at_night_follows_the_same_rule(night, sandbox):
    _bot, messenger = night
    open_windows(sandbox, *STAFF)
    hole = await resolved(await report(HOLE, description="井盖没了"))
    routine = await resolved(await report(ROUTINE, description="小广告"))
    await OutboxMessage.all().delete()  # yesterday's dispatch notices are not the point
    advance_to_local(4, 5)
    await feedback.reopen_case(hole, RES)  # 没修好
    await feedback.reopen_case(routine, RES)
    for number, urgent in ((hole.number, True), (routine.number, False)):
        for openid, mark in ((G01, "【新案件】"), (G02, "【督办】")):
            [row] = [r for r in await rows(openid)
                     if mark in r.payload["text"] and number in r.payload["text"]]
            assert row.urgent is urgent, (number, openid)
    await outbox.deliver_due(messenger)
    for openid in (G01, G02):
        assert any(hole.number in t for t in texts_to(sandbox, openid))
        assert not any(routine.number in t for t in texts_to(sandbox, openid))


async def test_the_bulletin_and_wish_reviews_are_never_urgent(night, sandbox):
    _bot, messenger = night
    open_windows(sandbox, *STAFF)
    advance_to_local(4, 5)
    await bulletin_notify.send(bulletin.last_week())
    admin = await Person.get(openid=ADMIN)
    await post(WishDraft(title="想要一根拐杖", kind=WishKind.GOODS, address="人民大街 5588 号"),
               admin)
    assert await rows(ADMIN) and await held_till_seven(ADMIN)
    assert (await outbox.deliver_due(messenger)).sent == 0
