"""Staff act on cases in chat: 接单, 处理中, 完成 + after-photo, 驳回, 转派, 报到, 我的待办;
who may act; bad input at each step; repeated deliveries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import callbacks
from handlers.reports.lifecycle import history
from storage.core.models import Person, Photo, ProcessedMessage, Role
from storage.reports.models import Case, CaseEvent, CaseStatus
from tests.support.reports_staff import (
    ADMIN,
    DEPT,
    G01,
    G02,
    IN_G02,
    PROP,
    RES,
    RES2,
    district,
    fresh,
    pushed,
    report,
)
from tests.support.wishes import jpeg

S = CaseStatus


@pytest.fixture
async def rbot(make_bot, tmp_path):
    bot = await make_bot(media_dir=tmp_path / "media")
    await district()
    return bot


def photo(bot, openid: str, msg_id: int | None = None) -> str:
    return callbacks.image(openid, bot.sandbox.add_media(jpeg("green"), "image/jpeg"),
                           msg_id=msg_id)


async def test_accept_start_complete_with_photo(rbot):
    bot = rbot
    case = await report("garbage")
    n = case.number
    assert "已受理" in await bot.say(G01, f"接单 {n}")
    assert (await fresh(case)).status is S.ACCEPTED
    assert any("已受理" in m and n in m for m in await pushed(RES))
    assert "处理中" in await bot.say(G01, f"处理中 {n.lower()}")
    assert "照片" in await bot.say(G01, f"完成 {n} 已清运")
    # A text where the photo is needed: a clear reply, nothing changes.
    reply = await bot.say(G01, "弄好了")
    assert "必须附处理后的现场照片" in reply
    assert (await fresh(case)).status is S.IN_PROGRESS
    # Another staff command in between runs, and the photo is still awaited.
    assert "待办" in await bot.say(G01, "我的待办")
    reply = await bot.send(photo(bot, G01), G01)
    assert f"{n} 已办结" in reply, reply
    case = await fresh(case)
    assert case.status is S.RESOLVED
    assert case.confirm_due_at - case.resolved_at == timedelta(hours=72)
    assert await Photo.filter(owner_kind="report_after", owner_id=n).count() == 1
    asked = [m for m in await pushed(RES) if "满意" in m]
    assert len(asked) == 1 and "没修好" in asked[0] and "已清运" in asked[0]
    actions = [e.action for e in await history(case)]
    assert actions == ["submit", "dispatch", "accept", "start", "resolve"]


async def test_complete_straight_after_accept_and_photo_before_command(rbot):
    bot = rbot
    case = await report("garbage")
    await bot.say(G01, f"接单 {case.number}")
    assert "处理后的现场照片" in await bot.say(G01, f"完成 {case.number}")
    await bot.send(photo(bot, G01), G01)
    assert (await fresh(case)).status is S.RESOLVED
    # A photo with no 完成 before it resolves nothing.
    other = await report("garbage", at=(43.8861, 125.3181))
    await bot.say(G01, f"接单 {other.number}")
    await bot.send(photo(bot, G01), G01)
    assert (await fresh(other)).status is S.ACCEPTED


async def test_who_may_act(rbot):
    bot = rbot
    case = await report("garbage")  # G01
    assert "仅限工作人员" in await bot.say(RES, f"接单 {case.number}")
    assert "仅限工作人员" in await bot.say(RES2, f"完成 {case.number}")
    await Person.create(openid="o-g03", role=Role.GRID_WORKER, name="吴海燕", grid="G03")
    assert "不归您处理" in await bot.say("o-g03", f"接单 {case.number}")
    assert "不归您处理" in await bot.say(PROP, f"接单 {case.number}")  # not a property case
    assert "不归您处理" in await bot.say(DEPT, f"驳回 {case.number} 不是我们的")
    assert (await fresh(case)).status is S.DISPATCHED
    # The grid's deputy (G02's worker covers G01) and an admin may.
    assert "已受理" in await bot.say(G02, f"接单 {case.number}")
    assert "处理中" in await bot.say(ADMIN, f"处理中 {case.number}")
    case = await fresh(case)
    assert (case.status, case.assignee_openid) == (S.IN_PROGRESS, G02)


async def test_staff_of_another_grid_cannot_act(rbot):
    bot = rbot
    case = await report("garbage", at=IN_G02)
    assert case.grid_code == "G02"
    await Person.create(openid="o-g05", role=Role.GRID_WORKER, name="冯晓东", grid="G05")
    assert "不归您处理" in await bot.say("o-g05", f"接单 {case.number}")
    assert "不归您处理" in await bot.say("o-g05", f"完成 {case.number}")
    assert "已受理" in await bot.say(G02, f"接单 {case.number}")


async def test_bad_input_at_each_step(rbot):
    bot = rbot
    case = await report("garbage")
    n = case.number
    assert "没有找到案件 A99999" in await bot.say(G01, "接单 A99999")
    assert "案件编号" in await bot.say(G01, "接单")
    assert "案件编号" in await bot.say(G01, "接单 abc")
    assert "不能标记处理中" in await bot.say(G01, f"处理中 {n}")
    assert "不能办结" in await bot.say(G01, f"完成 {n}")
    assert "驳回原因" in await bot.say(G01, f"驳回 {n}")
    assert "转派 " in await bot.say(G01, f"转派 {n}")
    assert "转派 " in await bot.say(G01, f"转派 {n} 隔壁")
    await bot.say(G01, f"接单 {n}")
    assert "不能接单" in await bot.say(G01, f"接单 {n}")
    assert "无需报到" in await bot.say(G01, f"报到 {n}")
    assert [e.action for e in await history(case)] == ["submit", "dispatch", "accept"]


async def test_reject_with_referral(rbot):
    bot = rbot
    case = await report("garbage")
    reply = await bot.say(G01, f"驳回 {case.number} 属于工地建筑垃圾，归住建局管")
    assert "已驳回" in reply
    case = await fresh(case)
    assert case.status is S.REJECTED and "住建局" in case.referral
    assert "朝阳区市容环境卫生局" in case.referral  # the category's department as referral
    told = [m for m in await pushed(RES) if "未予受理" in m]
    assert len(told) == 1 and "住建局" in told[0]
    assert "不能驳回" in await bot.say(G01, f"驳回 {case.number} 再驳一次")


async def test_transfer_to_property_and_department(rbot):
    bot = rbot
    await Person.create(openid="o-env", role=Role.DEPARTMENT, name="钱卫",
                        org="朝阳区市容环境卫生局")
    case = await report("garbage")  # in 明珠小区
    assert "物业" in await bot.say(G01, f"转派 {case.number} 物业")
    case = await fresh(case)
    assert (case.responsible, case.assignee_openid, case.status) == ("property", PROP,
                                                                     S.DISPATCHED)
    assert any("转派" in m and case.number in m for m in await pushed(PROP))
    assert any("转交物业" in m for m in await pushed(RES))
    assert "已经由" in await bot.say(G01, f"转派 {case.number} 物业")
    assert "朝阳区市容环境卫生局" in await bot.say(PROP, f"转派 {case.number} 部门")
    case = await fresh(case)
    assert (case.responsible, case.assignee_openid) == ("department", "o-env")
    assert "已受理" in await bot.say("o-env", f"接单 {case.number}")
    # Outside every compound there is no property to whistle to.
    other = await report("garbage", at=IN_G02)
    assert "不在任何小区内" in await bot.say(G02, f"转派 {other.number} 物业")
    assert (await fresh(other)).responsible == "grid"


async def test_property_manager_acknowledges(rbot):
    bot = rbot
    case = await report("sewer")
    assert "无需报到" in await bot.say(G01, f"报到 {case.number}")  # a grid worker
    await Person.create(openid="o-prop2", role=Role.PROPERTY_MANAGER, name="钱",
                        org="长春安居物业 · 和顺小区")
    assert "不归您处理" in await bot.say("o-prop2", f"报到 {case.number}")
    assert "已报到" in await bot.say(PROP, f"报到 {case.number}")
    case = await fresh(case)
    assert case.property_acknowledged_at is not None
    assert (case.status, case.assignee_openid) == (S.ACCEPTED, PROP)
    assert any("物业已报到" in m for m in await pushed(RES))
    assert "报到过了" in await bot.say(PROP, f"报到 {case.number}")
    assert [e.action for e in await history(case)][-2:] == ["acknowledge", "accept"]


async def test_my_todo_most_urgent_first(rbot):
    bot = rbot
    slow = await report("abandoned_vehicle")  # accept within 24 h
    fast = await report("garbage", at=(43.8861, 125.3181))  # within 4 h
    overdue = await report("street_vending", at=(43.8862, 125.3182))
    await Case.filter(id=overdue.id).update(overdue=True)
    elsewhere = await report("garbage", at=IN_G02)
    reply = await bot.say(G01, "我的待办")
    assert "3 件" in reply, reply
    order = [reply.index(c.number) for c in (overdue, fast, slow)]
    assert order == sorted(order), reply
    assert elsewhere.number not in reply and "已超时" in reply
    await Person.create(openid="o-g05", role=Role.GRID_WORKER, name="冯晓东", grid="G05")
    assert "没有待办" in await bot.say("o-g05", "我的待办")
    assert "仅限工作人员" in await bot.say(RES, "我的待办")
    assert "4 件" in await bot.say(ADMIN, "我的待办")  # community admin of 繁荣社区


async def test_repeated_deliveries_have_one_effect(rbot):
    bot = rbot
    case = await report("garbage")
    first = await bot.say(G01, f"接单 {case.number}", msg_id=777001)
    again = await bot.say(G01, f"接单 {case.number}", msg_id=777001)
    assert first == again and "已受理" in first
    assert await CaseEvent.filter(case_id=case.id, action="accept").count() == 1
    assert len([m for m in await pushed(RES) if "已受理" in m]) == 1
    await bot.say(G01, f"完成 {case.number}")
    image = photo(bot, G01, msg_id=777002)
    await bot.send(image, G01)
    await bot.send(image, G01)
    assert await CaseEvent.filter(case_id=case.id, action="resolve").count() == 1
    assert len([m for m in await pushed(RES) if "满意" in m]) == 1
    assert await ProcessedMessage.filter(dedup_key__contains="777001").count() == 1


async def test_case_view_for_staff(rbot):
    bot = rbot
    case = await report("garbage")
    reply = await bot.say(G01, f"案件 {case.number}")
    assert case.number in reply and "办理进度" in reply and "分拨" in reply
    assert "不归您处理" in await bot.say(PROP, f"案件 {case.number}")
