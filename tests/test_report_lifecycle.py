"""The case state machine: allowed moves, guarded updates, history."""

from __future__ import annotations

import asyncio

import pytest

from handlers.reports.lifecycle import Conflict, history, transition
from storage.reports.models import Case, CaseStatus


async def _case(number: str = "A1001") -> Case:
    return await Case.create(number=number, reporter_openid="o-r", category_code="manhole")


async def test_happy_path_writes_history(db):
    case = await _case()
    for action in ("dispatch", "accept", "start", "resolve", "confirm"):
        await transition(case, action, "o-staff")
    assert (await Case.get(id=case.id)).status is CaseStatus.CLOSED
    events = await history(case)
    assert [e.action for e in events] == ["dispatch", "accept", "start", "resolve", "confirm"]
    assert events[0].from_status == "submitted" and events[-1].to_status == "closed"


async def test_disallowed_move_is_refused_and_changes_nothing(db):
    case = await _case()
    with pytest.raises(Conflict):
        await transition(case, "resolve", "o-staff")
    assert (await Case.get(id=case.id)).status is CaseStatus.SUBMITTED
    assert await history(case) == []


async def test_note_actions_keep_the_status(db):
    case = await _case()
    moved = await transition(case, "escalate", "system", note="受理超时")
    assert moved.event.to_status == "submitted" and case.status is CaseStatus.SUBMITTED


async def test_transfer_sets_fields_without_changing_status(db):
    case = await _case()
    await transition(case, "dispatch", "system", fields={"assignee_openid": "o-g1"})
    await transition(case, "transfer", "o-g1", fields={"assignee_openid": "o-prop",
                                                      "responsible": "property"})
    fresh = await Case.get(id=case.id)
    assert (fresh.status, fresh.assignee_openid) == (CaseStatus.DISPATCHED, "o-prop")


async def test_concurrent_accepts_have_one_winner(db):
    case = await _case()
    await transition(case, "dispatch", "system")
    copies = [await Case.get(id=case.id) for _ in range(5)]
    results = await asyncio.gather(*(transition(c, "accept", f"o{i}")
                                     for i, c in enumerate(copies)), return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 4
