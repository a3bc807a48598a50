"""我的上报, 查 A1234, and the reporter's answer to a resolved case (满意/不满意/1-5/没修好)."""

from __future__ import annotations

import pytest

from rewards import ledger
from storage.core.models import OutboxMessage
from storage.geo.models import Grid
from storage.reports.models import Case, CaseEvent, CaseStatus
from tests.support.reports import (
    LAT,
    number_in,
    pushed,
    report,
    report_bot,
    resolve,
)

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


async def _supported(bot) -> str:
    """o-a reports, o-b supports it; returns the number."""
    number = number_in(await report(bot, "o-a"))
    await report(bot, "o-b", lat=LAT + 0.0003, color="blue", answer="是")
    return number


async def test_my_reports_lists_own_and_supported_with_status(rbot):
    bot = rbot
    assert "还没有上报过" in await bot.say("o-a", "我的上报")
    supported = await _supported(bot)
    own = number_in(await report(bot, "o-b", desc="井盖丢了", color="green"))
    listing = await bot.say("o-b", "我的上报")
    assert own in listing and supported in listing and "（+1）" in listing
    assert "井盖缺失" in listing and "待受理" in listing
    assert own not in await bot.say("o-a", "我的上报")


async def test_lookup_shows_card_and_timeline_only_to_those_involved(rbot):
    bot = rbot
    number = await _supported(bot)
    mine = await bot.say("o-a", f"查 {number}")
    assert number in mine and "办理进度" in mine and "上报" in mine and "分拨" in mine
    assert "办理进度" in await bot.say("o-b", f"查{number.lower()}")  # supporters too
    assert "只能查看您自己" in await bot.say("o-c", f"查 {number}")
    assert "办理进度" in await bot.say("o-grid", f"查 {number}")  # staff see any
    assert "没有找到案件 A9999" in await bot.say("o-a", "查 A9999")
    assert "案件编号" in await bot.say("o-a", "查")
    assert "例如：查 A1001" in await bot.say("o-a", "查 昨天的")


async def test_satisfied_closes_with_rating_and_points(rbot):
    bot = rbot
    number = await _supported(bot)
    assert "没有待确认" in await bot.say("o-a", "满意")
    await resolve(bot, number)
    assert "满意" in await bot.say("o-a", f"查 {number}")  # the question is repeated
    assert "只有上报人" in await bot.say("o-b", f"满意 {number}")
    done = await bot.say("o-a", "满意")
    assert "已办结" in done and "5 分" in done
    case = await Case.get(number=number)
    assert (case.status, case.rating, case.auto_confirmed) == (CaseStatus.CLOSED, 5, False)
    assert (await ledger.balance("o-a")).balance == 11  # +10 reporter, +1 rating
    assert (await ledger.balance("o-b")).balance == 2
    assert any("11 积分" in t for t in await pushed("o-a"))
    assert any("2 积分" in t for t in await pushed("o-b"))
    assert "目前不是待确认" in await bot.say("o-a", f"满意 {number}")


async def test_a_score_rates_and_a_retry_confirms_once(rbot):
    bot = rbot
    number = number_in(await report(bot, "o-a"))
    await resolve(bot, number)
    assert "1-5 分" in await bot.say("o-a", "评分 6")
    first = await bot.say("o-a", "4分", msg_id=9901)
    assert await bot.say("o-a", "4分", msg_id=9901) == first and "4 分" in first
    assert (await Case.get(number=number)).rating == 4
    assert await CaseEvent.filter(action="confirm").count() == 1
    assert (await ledger.balance("o-a")).balance == 11
    assert "没有看懂" in await bot.say("o-a", "4")  # a bare digit is no command


async def test_unhappy_still_closes_with_a_low_rating(rbot):
    bot = rbot
    number = number_in(await report(bot, "o-a"))
    await resolve(bot, number)
    assert "改进" in await bot.say("o-a", "不满意")
    assert (await Case.get(number=number)).rating == 1


async def test_several_resolved_cases_need_the_number(rbot):
    bot = rbot
    first = number_in(await report(bot, "o-a"))
    second = number_in(await report(bot, "o-a", desc="井盖丢了", color="blue"))
    await resolve(bot, first)
    await resolve(bot, second)
    ask = await bot.say("o-a", "满意")
    assert first in ask and second in ask and "编号" in ask
    assert "已办结" in await bot.say("o-a", f"满意 {first}")
    assert "已办结" in await bot.say("o-a", "评分 3")  # now only one is left
    assert (await Case.get(number=second)).rating == 3


async def test_not_fixed_reopens_back_to_the_grid_with_escalation(rbot):
    bot = rbot
    number = await _supported(bot)
    await resolve(bot, number)
    before = await OutboxMessage.filter(openid="o-grid").count()
    reply = await bot.say("o-a", "没修好")
    assert "重新打开" in reply
    case = await Case.get(number=number)
    assert (case.status, case.reopen_count, case.assignee_openid) == (
        CaseStatus.DISPATCHED, 1, "o-grid")
    assert case.confirm_due_at is None and case.escalation_level == 1
    actions = [e.action for e in await CaseEvent.filter(case_id=case.id).order_by("id")]
    assert actions[-3:] == ["reopen", "dispatch", "escalate"]
    assert await OutboxMessage.filter(openid="o-grid").count() > before
    # The grid's deputy (B角) hears the escalation.
    deputy = (await Grid.get(code="G01")).deputy_openid
    assert any("没修好" in t and number in t for t in await pushed(deputy))
    assert (await ledger.balance("o-a")).balance == 0
    assert "没有待确认" in await bot.say("o-a", "没修好")
