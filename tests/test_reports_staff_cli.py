"""``linli reports list|show``: the operator's view of cases (in-process, ``bot.cli.main``)."""

from __future__ import annotations

import json

import pytest

from handlers.reports.lifecycle import transition
from tests.support.cli import in_db, run_main, use_backend
from tests.support.reports_staff import IN_G02, RES2, district, report


@pytest.fixture
def cli(backend, monkeypatch):
    use_backend(monkeypatch, backend)
    in_db(backend.database_url, empty=True)
    return backend


async def _cases():
    await district()
    first = await report("garbage")
    second = await report("sewer", at=(43.8861, 125.3181), reporter=RES2)
    third = await report("garbage", at=IN_G02)
    await transition(second, "accept", "o-prop")
    return first, second, third


def test_list_and_show(cli):
    first, second, third = in_db(cli.database_url, _cases)

    listed = run_main("reports", "list", "--json")
    assert listed.code == 0, listed.err
    rows = json.loads(listed.out)
    assert [r["number"] for r in rows] == [third.number, second.number, first.number]
    assert rows[2]["category_name"] == "垃圾堆放" and rows[2]["grid"] == "G01"

    g01 = json.loads(run_main("reports", "list", "--grid", "g01", "--json").out)
    assert {r["number"] for r in g01} == {first.number, second.number}
    accepted = json.loads(run_main("reports", "list", "--status", "accepted", "--json").out)
    assert [r["number"] for r in accepted] == [second.number]

    shown = run_main("reports", "show", first.number.lower(), "--json")
    assert shown.code == 0, shown.err
    row = json.loads(shown.out)
    assert row["number"] == first.number and row["assignee"] == "demo-grid-g01"
    assert [e["action"] for e in row["events"]] == ["submit", "dispatch"]
    assert first.number in row["card"]

    plain = run_main("reports", "show", first.number)
    assert plain.code == 0 and "dispatch" in plain.out

    unknown = run_main("reports", "show", "A99999")
    assert unknown.code == 1 and "unknown_case" in unknown.err
    bad = run_main("reports", "show", "W12")
    assert bad.code == 2 and "not a case number" in bad.err
