"""``linli reports list|show``: the operator's view of cases."""

from __future__ import annotations

import json

import pytest

from handlers.reports.lifecycle import transition
from tests.support.cli import run_cli
from tests.support.reports_staff import IN_G02, RES2, district, report

# The CLI runs in processes of its own, on the real time of day.
pytestmark = pytest.mark.real_clock


async def test_list_and_show(db):
    env = {"LINLI_DATABASE_URL": db.database_url}
    await district()
    first = await report("garbage")
    second = await report("sewer", at=(43.8861, 125.3181), reporter=RES2)
    third = await report("garbage", at=IN_G02)
    await transition(second, "accept", "o-prop")

    listed = await run_cli("reports", "list", "--json", env=env)
    assert listed.code == 0, listed.err
    rows = json.loads(listed.out)
    assert [r["number"] for r in rows] == [third.number, second.number, first.number]
    assert rows[2]["category_name"] == "垃圾堆放" and rows[2]["grid"] == "G01"

    g01 = json.loads((await run_cli("reports", "list", "--grid", "g01", "--json", env=env)).out)
    assert {r["number"] for r in g01} == {first.number, second.number}
    accepted = json.loads((await run_cli("reports", "list", "--status", "accepted", "--json",
                                         env=env)).out)
    assert [r["number"] for r in accepted] == [second.number]

    shown = await run_cli("reports", "show", first.number.lower(), "--json", env=env)
    assert shown.code == 0, shown.err
    row = json.loads(shown.out)
    assert row["number"] == first.number and row["assignee"] == "demo-grid-g01"
    assert [e["action"] for e in row["events"]] == ["submit", "dispatch"]
    assert first.number in row["card"]

    plain = await run_cli("reports", "show", first.number, env=env)
    assert plain.code == 0 and "dispatch" in plain.out

    unknown = await run_cli("reports", "show", "A99999", env=env)
    assert unknown.code == 1 and "unknown_case" in unknown.err
    bad = await run_cli("reports", "show", "W12", env=env)
    assert bad.code == 2 and "not a case number" in bad.err
