"""Demo cases (``linli demo-data``): every state, made by the use cases over past weeks, once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from handlers.demo import load_demo_data
from handlers.reports import dashboard
from handlers.reports.demo import CASES
from handlers.reports.staff.scope import scope_of
from rewards import ledger
from storage import clock
from storage.core.models import Person
from storage.reports.models import OPEN_STATUSES, Case, CaseEvent, CaseStatus
from tests.support.cli import run_cli


async def test_demo_cases_in_every_state_load_once(db):
    before = clock.now()
    first = await load_demo_data()
    assert abs((clock.now() - before).total_seconds()) < 60  # the clock is back
    cases = await Case.all()
    assert len(cases) == len(CASES) and any(f"{len(CASES)} demo cases added" in line
                                            for line in first)
    states = Counter(c.status for c in cases)
    for status in (CaseStatus.DISPATCHED, CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS,
                   CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.REJECTED):
        assert states[status] >= 1, status
    assert states[CaseStatus.CLOSED] >= 8
    closed = [c for c in cases if c.status is CaseStatus.CLOSED]
    assert sum(c.rating is not None for c in closed) >= 7 and any(c.auto_confirmed
                                                                 for c in closed)
    assert [c.overdue for c in cases if c.status in OPEN_STATUSES].count(True) == 1
    reopened = [c for c in cases if c.reopen_count]
    assert len(reopened) == 1 and reopened[0].status is CaseStatus.ACCEPTED
    assert {c.grid_code for c in cases} >= {"G01", "G02", "G03", "G05", "G07", "G08"}
    # made by the use cases: every case has its history, dated as it happened
    for c in cases:
        events = await CaseEvent.filter(case_id=c.id).order_by("at", "id")
        assert [e.action for e in events][:2] == ["submit", "dispatch"], c.number
        assert timedelta(0) <= events[0].at - c.created_at < timedelta(seconds=5)
        assert all(e.at <= before for e in events)
        assert c.created_at >= before - timedelta(days=28)
    spread = {clock.local(c.created_at).date() for c in cases}
    assert len(spread) >= 10  # over the last weeks, not one day
    # closed cases are the volunteer's: the resident keeps the demo points
    assert (await ledger.balance("demo-resident")).available == 130
    again = await load_demo_data()
    assert await Case.all().count() == len(CASES)
    assert any("0 demo cases added" in line for line in again), again


async def test_the_overview_of_the_demo_has_data(db):
    await load_demo_data()
    admin = await scope_of(await Person.get(openid="demo-admin"))
    assert admin is not None
    o = await dashboard.overview(admin)
    assert o.open > 0 and o.cases > 0 and o.median_accept_h is not None
    assert sum(n for _, _, n in o.daily) > 0 and o.by_category
    assert o.satisfaction is not None and o.grid_ranking  # 繁荣社区's grids have volume


async def test_linli_demo_data_twice_adds_the_cases_once(db):
    env = {"LINLI_DATABASE_URL": db.database_url}
    for _ in range(2):
        out = await run_cli("demo-data", env=env)
        assert out.code == 0, out.err
        assert await Case.all().count() == len(CASES)
    assert "0 demo cases added" in out.out
