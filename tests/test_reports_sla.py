"""SLA sweep: escalation once per step, with a controlled clock."""

from __future__ import annotations

from datetime import timedelta

from bot import keys
from bot.scheduler import JOBS
from handlers.reports import sla
from handlers.reports.lifecycle import history
from storage import clock
from storage.core.models import Person, Role
from storage.reports.models import CaseEvent
from tests.support.reports_staff import (
    ADMIN,
    DEPT,
    G01,
    G02,
    RES,
    district,
    fresh,
    pushed,
    report,
)

ENV = "朝阳区市容环境卫生局"  # the department whistled to for 垃圾堆放


def overdue_notes(texts: list[str]) -> list[str]:
    return [m for m in texts if "超时" in m]


async def test_not_accepted_then_not_resolved_escalates_once_per_step(make_bot, db):
    bot = await make_bot()
    await district()
    await Person.create(openid="o-env", role=Role.DEPARTMENT, name="钱卫", org=ENV)
    case = await report("garbage")  # accept 4 h, resolve 24 h
    clock.advance(timedelta(hours=3, minutes=59))
    assert await sla.escalate_due() == 0
    clock.advance(timedelta(minutes=2))
    assert await sla.escalate_due() == 1
    assert await sla.escalate_due() == 0  # a rerun escalates nobody twice
    case = await fresh(case)
    assert (case.overdue, case.escalation_level) == (True, 1)
    assert case.accept_escalated_at is not None and case.resolve_escalated_at is None
    # G01's deputy (G02's worker) hears of it, G01 is reminded, the department is whistled to,
    # the reporter is told.
    assert len(overdue_notes(await pushed(G02))) == 1
    assert "受理已超时" in overdue_notes(await pushed(G02))[0]
    assert len(overdue_notes(await pushed(G01))) == 1
    assert len([m for m in await pushed("o-env") if "吹哨" in m]) == 1
    assert len(overdue_notes(await pushed(RES))) == 1

    assert "已受理" in await bot.say(G01, f"接单 {case.number}")
    clock.advance(timedelta(hours=20))
    assert await sla.escalate_due() == 1
    clock.advance(timedelta(hours=1))
    assert await sla.escalate_due() == 0
    case = await fresh(case)
    assert case.escalation_level == 2 and case.resolve_escalated_at is not None
    assert len(overdue_notes(await pushed(G02))) == 2
    assert "办结已超时" in overdue_notes(await pushed(G02))[1]
    assert await CaseEvent.filter(case_id=case.id, action="escalate").count() == 2
    notes = [e.note for e in await history(case) if e.action == "escalate"]
    assert notes == [f"受理超时，吹哨{ENV}", f"办结超时，吹哨{ENV}"]


async def test_accepted_in_time_escalates_only_the_resolve_step(make_bot, db):
    bot = await make_bot()
    await district()
    case = await report("garbage")
    await bot.say(G01, f"接单 {case.number}")
    clock.advance(timedelta(hours=23))
    assert await sla.escalate_due() == 0
    clock.advance(timedelta(hours=2))
    assert await sla.escalate_due() == 1
    case = await fresh(case)
    assert case.escalation_level == 1 and case.accept_escalated_at is None


async def test_resolved_or_rejected_cases_are_left_alone(make_bot, db):
    bot = await make_bot()
    await district()
    rejected = await report("garbage")
    await bot.say(G01, f"驳回 {rejected.number} 不在辖区")
    clock.advance(timedelta(days=30))
    assert await sla.escalate_due() == 0
    assert not (await fresh(rejected)).overdue


async def test_department_case_goes_to_the_community_admin_without_whistle(db):
    await district()
    case = await report("road_damage", at=(43.8838, 125.3175))  # G02: deputy 王梦苏 (G01)
    await report("road_damage", at=None)  # no grid (an address only; a point beyond the street is refused): the admin
    clock.advance(timedelta(hours=9))  # accept within 8 h
    assert await sla.escalate_due() == 2
    assert len(overdue_notes(await pushed(G01))) == 1  # G02's deputy
    assert len(overdue_notes(await pushed(ADMIN))) == 1  # the case outside every grid
    assert not [m for m in await pushed(DEPT) if "吹哨" in m]  # it is the department's own
    assert "吹哨" not in (await history(case))[-1].note


async def test_the_scheduler_job_runs_the_sweep(make_bot, db):
    bot = await make_bot()
    await district()
    case = await report("garbage")
    job = dict((name, fn) for name, fn, _ in JOBS)["report_sla"]
    clock.advance(timedelta(hours=5))
    services = bot.client.app[keys.SERVICES]
    await job(services)
    await job(services)
    assert (await fresh(case)).escalation_level == 1
