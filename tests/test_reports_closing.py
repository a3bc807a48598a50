"""Closing: auto-confirm 72 h after resolution, and the points on closed - once, and none for
rejected, merged or hidden cases or a reused photo."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.reports import awards, closing, scheduled
from handlers.reports.lifecycle import transition
from rewards import ledger
from storage import clock
from storage.core.models import Photo
from storage.ledger.models import Award
from storage.reports.models import Case, CaseEvent, CaseStatus
from tests.support.reports import (
    LAT,
    fetch_photos,
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


async def _supported(bot, color: str = "red") -> str:
    number = number_in(await report(bot, "o-a", color=color))
    await report(bot, "o-b", lat=LAT + 0.0003, color="blue", answer="是")
    return number


async def test_auto_confirm_after_72_hours_awards_once(rbot):
    bot = rbot
    number = await _supported(bot)
    await resolve(bot, number)
    clock.advance(timedelta(hours=71))
    assert await closing.auto_confirm_due() == 0
    assert (await Case.get(number=number)).status is CaseStatus.RESOLVED
    clock.advance(timedelta(hours=2))
    await scheduled.sweep_closing(None)
    case = await Case.get(number=number)
    assert (case.status, case.auto_confirmed, case.rating) == (CaseStatus.CLOSED, True, None)
    assert await CaseEvent.filter(case_id=case.id, action="auto_confirm").count() == 1
    assert (await ledger.balance("o-a")).balance == 10  # no rating, no +1
    assert (await ledger.balance("o-b")).balance == 2
    assert any("自动确认" in t for t in await pushed("o-a"))
    assert any("自动确认" in t for t in await pushed("o-b"))
    # The sweep again, and the award by hand: nothing more.
    await scheduled.sweep_closing(None)
    assert await awards.award_due() == 0
    await awards.award(case.id)
    assert (await ledger.balance("o-a")).balance == 10
    assert (await ledger.balance("o-b")).balance == 2
    assert await Award.filter(subject=number).count() == 2
    assert await CaseEvent.filter(case_id=case.id, action="auto_confirm").count() == 1
    assert "没有待确认" in await bot.say("o-a", "满意")


async def test_an_answer_before_the_deadline_wins_over_the_sweep(rbot):
    bot = rbot
    number = number_in(await report(bot, "o-a"))
    await resolve(bot, number)
    clock.advance(timedelta(hours=70))
    await bot.say("o-a", "满意")
    clock.advance(timedelta(hours=5))
    assert await closing.auto_confirm_due() == 0
    assert (await Case.get(number=number)).auto_confirmed is False
    assert (await ledger.balance("o-a")).balance == 11


async def test_a_flagged_photo_earns_the_reporter_nothing(rbot):
    bot = rbot
    number = await _supported(bot)
    await fetch_photos(bot)
    # What the photo sweep records for a picture already stored for another case.
    await Photo.filter(owner_id=number, openid="o-a").update(reused=True)
    await resolve(bot, number)
    await bot.say("o-a", "5分")
    assert (await Case.get(number=number)).status is CaseStatus.CLOSED
    assert (await ledger.balance("o-a")).balance == 1  # the rating only
    assert (await ledger.balance("o-b")).balance == 2  # supporters are not blamed
    award = await Award.get(subject=number, rule=awards.REPORTER)
    assert (award.amount, award.detail) == (0, "reused_photo")


async def test_the_same_picture_in_a_second_case_is_flagged(rbot):
    bot = rbot
    number_in(await report(bot, "o-x", desc="井盖丢了", color="red"))
    await fetch_photos(bot)
    number = number_in(await report(bot, "o-a", color="red"))
    await fetch_photos(bot)
    assert (await Photo.get(owner_id=number, openid="o-a")).reused


async def test_photos_still_downloading_postpone_the_award(rbot):
    bot = rbot
    number = number_in(await report(bot, "o-a"))
    case = await Case.get(number=number)
    await transition(case, "accept", "o-grid")
    await transition(case, "resolve", "o-grid", fields={"resolved_at": clock.now(),
                                                       "confirm_due_at": clock.now()})
    await scheduled.sweep_closing(None)  # closed, but the photo is not downloaded yet
    assert (await Case.get(number=number)).status is CaseStatus.CLOSED
    assert (await ledger.balance("o-a")).balance == 0
    await fetch_photos(bot)
    assert await awards.award_due() == 1
    assert (await ledger.balance("o-a")).balance == 10


@pytest.mark.parametrize("action", ["reject", "merge", "hide"])
async def test_no_points_for_rejected_merged_or_hidden(rbot, action):
    bot = rbot
    number = await _supported(bot)
    await fetch_photos(bot)
    case = await Case.get(number=number)
    await transition(case, action, "o-admin")
    assert await awards.award(case.id) is None
    await scheduled.sweep_closing(None)
    assert (await ledger.balance("o-a")).balance == 0
    assert (await ledger.balance("o-b")).balance == 0
    assert await Award.filter(subject=number).count() == 0
