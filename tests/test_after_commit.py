"""After-commit work belongs to the effect: the use cases register the points for a
confirmed case or wish (``storage.aftercommit.on_commit``), the transaction that carries them
(``storage.dedup.effect``, ``aftercommit.transaction``) runs them once committed - never after
a rollback or for a repeat - and a failure is logged and left to the sweep."""

from __future__ import annotations

import logging

import pytest

from handlers.reports import awards
from handlers.reports.errors import WrongState
from handlers.reports.service.feedback import confirm_case
from handlers.wishes import awards as wish_awards
from handlers.wishes.service import claims
from rewards import ledger
from storage import aftercommit
from storage.core.models import Person, ProcessedMessage, Wish, WishStatus
from storage.dedup import AlreadyHandled, effect
from storage.reports.models import Case, CaseStatus
from tests.support.reports import number_in, report, report_bot, resolve
from tests.support.wishes import volunteer, wish

pytestmark = pytest.mark.usefixtures("db")


class Calls:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def work(self, name: str):
        async def run() -> None:
            self.seen.append(name)
        return run


# -- the registry ---------------------------------------------------------------------------


async def test_on_commit_outside_a_transaction_refuses():
    with pytest.raises(RuntimeError, match="outside a transaction"):
        aftercommit.on_commit(Calls().work("lost"))


async def test_work_runs_once_the_effect_has_committed():
    calls = Calls()
    async with effect("m-1", "o-a"):
        aftercommit.on_commit(calls.work("first"))
        aftercommit.on_commit(calls.work("second"))
        assert calls.seen == []  # nothing before the commit
    assert calls.seen == ["first", "second"]
    assert await ProcessedMessage.exists(dedup_key="m-1")
    with pytest.raises(RuntimeError):  # the registry ends with its transaction
        aftercommit.on_commit(calls.work("late"))


async def test_a_rolled_back_effect_runs_nothing():
    calls = Calls()
    with pytest.raises(ValueError):
        async with effect("m-1", "o-a"):
            aftercommit.on_commit(calls.work("never"))
            raise ValueError("refused")
    assert calls.seen == []
    assert not await ProcessedMessage.exists(dedup_key="m-1")


async def test_a_repeat_runs_nothing():
    calls = Calls()
    async with effect("m-1", "o-a") as record:
        aftercommit.on_commit(calls.work("first"))
        record.reply = "好的"
    with pytest.raises(AlreadyHandled) as repeat:
        async with effect("m-1", "o-a"):
            aftercommit.on_commit(calls.work("again"))
    assert repeat.value.reply == "好的"
    assert calls.seen == ["first"]


async def test_inner_work_waits_for_the_outermost_commit_and_dies_with_its_rollback():
    calls = Calls()
    async with aftercommit.transaction():
        async with effect("m-1", "o-a"):
            aftercommit.on_commit(calls.work("inner"))
        assert calls.seen == []  # the outer transaction has not committed yet
        with pytest.raises(ValueError):
            async with aftercommit.transaction():
                aftercommit.on_commit(calls.work("rolled back"))
                raise ValueError("refused")
        aftercommit.on_commit(calls.work("outer"))
    assert calls.seen == ["inner", "outer"]


async def test_a_failing_callback_is_logged_and_the_rest_still_run(caplog):
    calls = Calls()

    async def broken() -> None:
        raise RuntimeError("ledger down")

    with caplog.at_level(logging.ERROR, logger="storage.aftercommit"):
        async with aftercommit.transaction():
            aftercommit.on_commit(broken)
            aftercommit.on_commit(calls.work("after"))
    assert calls.seen == ["after"]
    failed = [r for r in caplog.records if r.name == "storage.aftercommit"]
    assert len(failed) == 1 and "broken" in failed[0].getMessage()
    assert "left to its sweep" in failed[0].getMessage()


# -- the use cases register their own award ---------------------------------------------


@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


async def _resolved(bot, openid: str = "o-a") -> Case:
    number = number_in(await report(bot, openid))
    return await resolve(bot, number)


async def _counting(monkeypatch) -> list[int]:
    awarded: list[int] = []
    real = awards.award

    async def counted(case_id: int):
        awarded.append(case_id)
        return await real(case_id)
    monkeypatch.setattr(awards, "award", counted)
    return awarded


async def test_confirm_case_awards_by_itself_after_the_commit(rbot):
    case = await _resolved(rbot)
    async with aftercommit.transaction():
        await confirm_case(case, "o-a", 5)
        assert (await ledger.balance("o-a")).balance == 0
    assert (await ledger.balance("o-a")).balance == 11  # +10 reporter, +1 rating


async def test_confirm_case_outside_a_transaction_refuses_before_writing(rbot):
    case = await _resolved(rbot)
    with pytest.raises(RuntimeError, match="outside a transaction"):
        await confirm_case(case, "o-a", 5)
    assert (await Case.get(id=case.id)).status is CaseStatus.RESOLVED
    w = await _fulfilled()
    with pytest.raises(RuntimeError, match="outside a transaction"):
        await claims.confirm(w.id, await Person.get(openid="o-res"))
    assert (await Wish.get(id=w.id)).status is WishStatus.FULFILLED


async def test_a_confirmation_through_chat_awards(rbot, monkeypatch):
    awarded = await _counting(monkeypatch)
    case = await _resolved(rbot)
    assert "已办结" in await rbot.say("o-a", "满意")
    assert awarded == [case.id]
    assert (await ledger.balance("o-a")).balance == 11


async def test_a_confirmation_through_the_api_awards_once(rbot, api_for, monkeypatch):
    awarded = await _counting(monkeypatch)
    case = await _resolved(rbot)
    alice = await api_for(rbot).login("o-a")
    key = {"Idempotency-Key": "thanks"}
    first = await alice.post(f"/reports/{case.number}/confirm", json={}, headers=key)
    assert first[0] == 200, first
    assert awarded == [case.id]
    assert (await ledger.balance("o-a")).balance == 11
    # The replay and a second answer (409) award nothing more.
    assert await alice.post(f"/reports/{case.number}/confirm", json={}, headers=key) == first
    assert (await alice.post(f"/reports/{case.number}/confirm", json={}))[0] == 409
    assert awarded == [case.id]


async def test_a_refused_confirmation_registers_nothing(rbot, monkeypatch):
    awarded = await _counting(monkeypatch)
    case = await _resolved(rbot)
    await Case.filter(id=case.id).update(status=CaseStatus.CLOSED)  # someone was faster
    with pytest.raises(WrongState):
        async with effect("m-1", "o-a"):
            await confirm_case(case, "o-a", 5)
    assert awarded == []


async def test_a_failed_award_is_logged_and_the_sweep_pays_later(rbot, monkeypatch, caplog):
    case = await _resolved(rbot)

    async def down(case_id: int):
        raise ConnectionError("ledger unreachable")
    monkeypatch.setattr(awards, "award", down)
    with caplog.at_level(logging.ERROR):
        assert "已办结" in await rbot.say("o-a", "满意")
    assert (await Case.get(id=case.id)).status is CaseStatus.CLOSED
    assert (await ledger.balance("o-a")).balance == 0
    assert any("the sweep will retry" in r.getMessage() for r in caplog.records)
    assert not any("o-a" in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    assert await awards.award_due() == 1
    assert (await ledger.balance("o-a")).balance == 11


# -- wishes ---------------------------------------------------------------------------------


async def _fulfilled() -> Wish:
    await volunteer("o-vol", "陈晓")
    w = await wish(poster="o-res", beneficiary_openid="o-res")
    await Person.create(openid="o-res", name="周桂兰")
    await Wish.filter(id=w.id).update(status=WishStatus.FULFILLED, claimant_openid="o-vol")
    return await Wish.get(id=w.id)


async def test_a_wish_confirmation_awards_by_itself_after_the_commit():
    w = await _fulfilled()
    async with aftercommit.transaction():
        await claims.confirm(w.id, await Person.get(openid="o-res"))
        assert (await ledger.balance("o-vol")).balance == 0
    assert (await ledger.balance("o-vol")).balance == 20
    assert (await Wish.get(id=w.id)).status is WishStatus.CLOSED


async def test_a_wish_confirmation_through_chat_and_api_awards(make_bot, api_for, tmp_path,
                                                               monkeypatch):
    bot = await make_bot(media_dir=tmp_path / "media")
    first = await _fulfilled()
    awarded: list[int] = []
    real = wish_awards.award_and_close

    async def counted(wish_id: int):
        awarded.append(wish_id)
        return await real(wish_id)
    monkeypatch.setattr(wish_awards, "award_and_close", counted)
    assert "感谢志愿者陈**" in await bot.say("o-res", f"确认心愿 {first.number}")
    assert awarded == [first.id] and (await ledger.balance("o-vol")).balance == 20

    second = await wish(poster="o-res", beneficiary_openid="o-res", title="想要一个轮椅")
    await Wish.filter(id=second.id).update(status=WishStatus.FULFILLED, claimant_openid="o-vol")
    res = await api_for(bot).login("o-res")
    status, body = await res.post(f"/wishes/{second.id}/confirm")
    assert status == 200, body
    assert awarded == [first.id, second.id] and (await ledger.balance("o-vol")).balance == 40
    assert (await Wish.get(id=second.id)).status is WishStatus.CLOSED
