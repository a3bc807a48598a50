"""Demo cases for ``make run`` / ``linli demo-data`` (idempotent: a case already there, by its
reporter and description, is not added again).

About twenty 随手拍 cases over the demo street's grids, in every state a newcomer should see
on the console: waiting (dispatched), accepted, in progress, resolved and awaiting the
resident, closed with a rating (and one closed automatically), one overdue (escalated by the
SLA sweep), one reopened (没修好) and taken again, one rejected with a referral. Each is made
by the real use cases (``submit_case``, the staff service, the resident's feedback, the SLA
sweep's ``escalate``, the auto-confirm) with ``storage.clock`` moved back to when each step
happened, so the overview's 30-day charts and the weekly bulletin have data.

Closed cases are reported by ``demo-volunteer`` (a closed case earns its reporter points:
``demo-resident`` keeps exactly the demo points of ``handlers.points.demo``); the open ones
by ``demo-resident``. A resolution takes no after-photo here (the demo has no photo files):
it is the lifecycle's move, as the staff service makes it. Where 核查 is required the
community admin approves what a grid worker, the property or a department resolved; a case
the admin resolved themself waits for review (待核查), as it would.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from handlers.reports import closing, notify, sla
from handlers.reports.errors import CaseError
from handlers.reports.lifecycle import Conflict, transition
from handlers.reports.service import feedback
from handlers.reports.service.cases import submit_case
from handlers.reports.staff import review, steer
from handlers.reports.staff import service as staff
from handlers.reports.staff import texts as staff_texts
from handlers.reports.staff.auth import may_act
from storage import aftercommit, clock
from storage.core.models import Person
from storage.reports.models import Case, CaseStatus

log = logging.getLogger(__name__)

ADMIN = "demo-admin"
RESIDENT, VOLUNTEER = "demo-resident", "demo-volunteer"

# reporter, category, place (a building code, or a point in a grid without buildings),
# description, hours ago it was submitted, steps: (hours after submission, action, argument)
CASES: list[tuple[str, str, str | tuple[float, float], str, float,
                  tuple[tuple[float, str, object], ...]]] = [
    (VOLUNTEER, "garbage", "B12-1", "明珠小区1号楼门口垃圾堆了三天，味道很大", 26 * 24 + 5,
     ((1, "accept", None), (2, "start", None), (6, "resolve", "已清运"), (10, "confirm", 5))),
    (VOLUNTEER, "street_light", "B12-3", "3号楼前的路灯不亮，晚上很黑", 23 * 24 + 3,
     ((3, "accept", None), (30, "resolve", "已更换灯泡"), (40, "confirm", 4))),
    (VOLUNTEER, "road_damage", "B13-1", "繁荣街13号院门口路面塌了一个坑", 20 * 24 + 2,
     ((2, "accept", None), (5, "start", None), (50, "resolve", "已修补"), (60, "confirm", 3))),
    (VOLUNTEER, "stairwell", "B12-2", "2号楼2单元楼道灯坏了好几天", 18 * 24 + 6,
     ((1, "accept", None), (20, "resolve", "已更换"), (26, "confirm", 5))),
    (VOLUNTEER, "garbage", "B13-2", "繁荣街13号院2号楼下的垃圾桶满了没人清", 15 * 24 + 4,
     ((1, "accept", None), (8, "resolve", "已清理"), (80, "auto_confirm", None))),
    (VOLUNTEER, "street_vending", "B16-1", "东盛里16号楼门口有人占道摆摊", 12 * 24 + 1,
     ((1, "accept", None), (20, "resolve", "已劝离"), (28, "confirm", 4))),
    (VOLUNTEER, "other", "B13-2", "13号院2号楼前的休息椅坏了", 9 * 24 + 7,
     ((4, "accept", None), (6, "start", None), (48, "resolve", "已修好"), (52, "confirm", 5))),
    (VOLUNTEER, "snow_removal", "B12-4", "4号楼前人行道上的积雪没人清", 7 * 24 + 2,
     ((1, "accept", None), (10, "resolve", "已清扫"), (14, "confirm", 5))),
    (VOLUNTEER, "garbage", "B12-5", "5号楼后面有人乱倒建筑垃圾", 5 * 24 + 3,
     ((2, "accept", None), (20, "resolve", "已清运"), (22, "confirm", 2))),
    (VOLUNTEER, "greenery", "B17-1", "湖西街17号楼前的树枝快断了，很危险", 4 * 24 + 6,
     ((3, "accept", None), (30, "resolve", "已修剪"), (33, "confirm", 4))),
    (RESIDENT, "other", "B13-1", "13号院健身器材的螺丝松了，修过一次又松了", 5 * 24,
     ((2, "accept", None), (24, "resolve", "已紧固"), (30, "reopen", "还是松的"),
      (32, "accept", None))),
    (RESIDENT, "illegal_building", "B13-2", "13号院有人在楼顶搭彩钢房", 2 * 24 + 4,
     ((3, "reject", "属于违法建设，由城管执法部门查处"),)),
    (RESIDENT, "garbage", "B12-3", "明珠小区3号楼的垃圾分类箱满溢", 30,
     ((1, "accept", None), (8, "resolve", "已清运"))),
    (RESIDENT, "garbage", "B12-6", "6号楼东侧的垃圾两天没人清运", 30,
     ((5, "escalate", None),)),
    (RESIDENT, "hoarding", (43.88387, 125.31351), "湖西社区路口的施工围挡倒了", 10,
     ((1, "accept", None), (2, "start", None))),
    (RESIDENT, "abandoned_vehicle", "B12-2", "2号楼下停了一辆僵尸车，半年没动过", 20,
     ((3, "accept", None),)),
    (RESIDENT, "garbage", "B13-1", "13号院门口的垃圾桶坏了", 1, ()),
    (RESIDENT, "street_light", (43.88772, 125.32285), "和顺路的路灯白天一直亮着", 2, ()),
    (RESIDENT, "greenery", (43.88392, 125.3274), "东盛社区花坛里的花被踩坏了", 5, ()),
]


@contextmanager
def _at(moment: datetime) -> Iterator[None]:
    """The clock at ``moment`` inside the block, exactly where it was afterwards."""
    delta = moment - clock.now()
    clock.advance(delta)
    try:
        yield
    finally:
        clock.advance(-delta)


async def _staff(case: Case) -> Person:
    """Who acts on ``case``: its assignee when they may, else the community admin."""
    if case.assignee_openid:
        person = await Person.get_or_none(openid=case.assignee_openid)
        if person is not None and await may_act(case, person):
            return person
    return await Person.get(openid=ADMIN)


async def _resolve(case: Case, person: Person, note: str) -> None:
    """办结 as ``staff.resolve`` does it, without the after-photo; where 核查 is required the
    community admin approves it when someone else resolved it."""
    now = clock.now()
    if await review.required(case):
        moved = await transition(case, "resolve_review", person.openid, note=note,
                                 fields={"resolved_at": now})
        await review.ask(case, moved.event.id, person, note)
        if person.openid != ADMIN:
            await steer.review(case.number, await Person.get(openid=ADMIN), True)
        return
    moved = await transition(case, "resolve", person.openid, note=note, fields={
        "resolved_at": now, "confirm_due_at": now + staff.CONFIRM_TIME})
    await notify.resident_progress(case, moved.event.id, staff_texts.R_RESOLVED.format(
        number=case.number, note=f"：{note}"))


async def _step(case: Case, action: str, arg: object) -> None:
    person = await _staff(case)
    if action == "accept":
        await staff.accept(case.number, person)
    elif action == "start":
        await staff.start(case.number, person)
    elif action == "resolve":
        await _resolve(case, person, str(arg))
    elif action == "reject":
        await staff.reject(case.number, person, str(arg))
    elif action == "confirm":
        await feedback.confirm_case(case, case.reporter_openid, int(str(arg)))
    elif action == "reopen":
        await feedback.reopen_case(case, case.reporter_openid, str(arg))


async def _submit(reporter: str, category: str, place: str | tuple[float, float],
                  description: str) -> Case:
    lat, lng = place if isinstance(place, tuple) else (None, None)
    at = clock.now()
    async with aftercommit.transaction() as conn:
        case = await submit_case(reporter_openid=reporter, category_code=category,
                                 description=description, lat=lat, lng=lng, address="",
                                 building_code=place if isinstance(place, str) else None,
                                 media_ids=[], using_db=conn)
        # created_at is the database's clock (auto_now_add): set to the demo's moment
        await Case.filter(id=case.id).using_db(conn).update(created_at=at)
    return case


async def _play(case: Case, at: datetime, action: str, arg: object) -> bool:
    """One step at ``at``; False (and the case left as it is) if it is refused."""
    with _at(at):
        case = await Case.get(id=case.id)
        try:
            if action == "escalate":
                return await sla.escalate(case.id, sla.STEPS[0])
            if action == "auto_confirm":
                return await closing.auto_confirm(case)
            async with aftercommit.transaction():
                await _step(case, action, arg)
        except (CaseError, Conflict) as exc:
            log.warning("demo case %s: %s refused (%s)", case.number, action, exc)
            return False
    return True


async def load_demo_cases() -> str:
    now = clock.now()
    added = 0
    for reporter, category, place, description, ago, steps in CASES:
        if await Case.exists(reporter_openid=reporter, description=description):
            continue
        submitted = now - timedelta(hours=ago)
        with _at(submitted):
            case = await _submit(reporter, category, place, description)
        for after, action, arg in steps:
            if not await _play(case, submitted + timedelta(hours=after), action, arg):
                break
        added += 1
    states = {s: await Case.filter(reporter_openid__in=[RESIDENT, VOLUNTEER], status=s).count()
              for s in (CaseStatus.DISPATCHED, CaseStatus.CLOSED)}
    return (f"{added} demo cases added ({len(CASES)} in the demo; "
            f"{states[CaseStatus.DISPATCHED]} waiting, {states[CaseStatus.CLOSED]} closed)")
