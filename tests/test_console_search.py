"""The console's case list (案件): filters, sorting, paging, scope and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from multidict import MultiDict

from handlers.reports import search
from handlers.reports.bulletin.queries import week_bounds
from storage import clock
from storage.reports.models import OPEN_STATUSES, Case, CaseSource, CaseStatus
from tests.support.console_data import WEEK, case, crafted, scope


def _numbers(cases: list[Case]) -> list[str]:
    return [c.number for c in cases]


async def _all(s, **filters) -> tuple[list[str], int]:
    found, total = await search.search(s, search.CaseQuery(per_page=200, **filters))
    return sorted(_numbers(found)), total


def test_parse_query_is_lenient():
    q = search.parse_query(MultiDict([
        ("status", "dispatched"), ("status", "accepted,bogus"), ("grid", " G1 "),
        ("overdue", "是"), ("since", "2026-11-16"), ("until", "2026-13-01"),
        ("source", "fax"), ("q", " A1234 "), ("sort", "drop table"), ("page", "-3"),
        ("per_page", "5000")]))
    assert q.statuses == ["dispatched", "accepted"] and q.grid == "G1" and q.overdue is True
    assert q.since == date(2026, 11, 16) and q.until is None and q.source is None
    assert q.text == "A1234" and q.sort == "-created_at" and q.page == 1 and q.per_page == 200
    plain = search.parse_query({"status": "closed", "overdue": "0", "page": "x", "per_page": "0",
                                "sort": "number", "text": "路灯", "source": "hotline"})
    assert plain.statuses == ["closed"] and plain.overdue is False and plain.page == 1
    assert plain.per_page == 1 and plain.sort == "number" and plain.text == "路灯"
    assert plain.source == "hotline" and search.parse_query({}) == search.CaseQuery()
    assert search.parse_query({"overdue": "maybe", "page": "3"}).overdue is None
    back = search.parse_query(MultiDict(search.query_params(q, page=4)))
    assert back == search.CaseQuery(**{**q.__dict__, "page": 4})


async def test_each_filter_equals_the_database(db):
    await crafted()
    street = await scope("adm2")
    rows = await Case.all()
    every = sorted(c.number for c in rows)
    assert await _all(street) == (every, len(rows))

    def expect(keep) -> tuple[list[str], int]:
        chosen = sorted(c.number for c in rows if keep(c))
        assert 0 < len(chosen) < len(rows)  # each filter filters something
        return chosen, len(chosen)

    assert await _all(street, statuses=["dispatched", "accepted"]) == expect(
        lambda c: c.status in (CaseStatus.DISPATCHED, CaseStatus.ACCEPTED))
    assert await _all(street, statuses=["open"]) == expect(lambda c: c.status in OPEN_STATUSES)
    assert await _all(street, statuses=["open", "closed"]) == expect(
        lambda c: c.status in OPEN_STATUSES or c.status is CaseStatus.CLOSED)
    assert search.parse_query({"status": "open,closed"}).statuses == ["open", "closed"]
    assert await _all(street, grid="G2") == expect(lambda c: c.grid_code == "G2")
    assert await _all(street, community="C2") == expect(lambda c: c.community_code == "C2")
    assert await _all(street, category="road_damage") == expect(
        lambda c: c.category_code == "road_damage")
    assert await _all(street, overdue=True) == expect(lambda c: c.overdue)
    assert await _all(street, overdue=False) == expect(lambda c: not c.overdue)
    assert await _all(street, source="hotline") == expect(lambda c: c.source == CaseSource.HOTLINE)
    monday, _ = week_bounds(WEEK)
    first = clock.local(monday).date()
    assert await _all(street, since=first, until=first + timedelta(days=6)) == expect(
        lambda c: clock.local(c.created_at).date() in
        {first + timedelta(days=i) for i in range(7)})
    assert await _all(street, since=first + timedelta(days=7)) == expect(
        lambda c: clock.local(c.created_at).date() >= first + timedelta(days=7))
    assert await _all(street, text="a1105") == (["A1105"], 1)
    assert await _all(street, text="Ａ１１０５") == (["A1105"], 1)
    assert await _all(street, text="第1105件") == (["A1105"], 1)  # in the description
    await case(9001, "G1", monday, description="小区门口的路灯坏了")
    assert await _all(street, text="路灯坏") == (["A9001"], 1)
    assert await _all(street, grid="G1", statuses=["closed"], text="nothing") == ([], 0)


async def test_sorts_and_pages(db):
    await crafted()
    street = await scope("adm2")
    rows = await Case.all()
    assert any(c.accept_due_at is None for c in rows)  # undated cases come last
    for sort in search.SORTS:
        seen: list[Case] = []
        for page in range(1, 20):
            found, total = await search.search(street, search.CaseQuery(
                sort=sort, page=page, per_page=7))
            assert total == len(rows)
            if not found:
                break
            assert len(found) == 7 or len(seen) + len(found) == total
            seen += found
        assert sorted(c.id for c in seen) == sorted(c.id for c in rows)  # each once
        column, *_ = search._ORDER[sort]
        key = column.lstrip("-")
        values = [(getattr(c, key) is None, getattr(c, key), c.id) for c in seen]
        if column.startswith("-"):
            assert values == sorted(values, reverse=True), sort
        else:
            assert values == sorted(values), sort
    beyond, total = await search.search(street, search.CaseQuery(page=99, per_page=50))
    assert beyond == [] and total == len(rows)


async def test_scope_decides_what_is_found(db):
    await crafted()
    worker, community, pm = await scope("gw1"), await scope("adm1"), await scope("pm1")
    rows = await Case.all()
    g1 = sorted(c.number for c in rows if c.grid_code == "G1")
    assert await _all(worker) == (g1, len(g1))
    c1 = sorted(c.number for c in rows if c.community_code == "C1")
    assert await _all(community) == (c1, len(c1)) and len(c1) > len(g1)
    assert await _all(worker, grid="G3") == ([], 0)  # another grid: nothing
    assert await _all(worker, text="A1103") == ([], 0)  # a G3 case by number: nothing
    assert await _all(pm) == ([], 0)
    await Case.filter(number="A1103").update(assignee_openid="gw1")  # now theirs
    assert await _all(worker, text="A1103") == (["A1103"], 1)


async def test_stream_covers_every_row_once_in_chunks(db):
    await crafted()
    street, worker = await scope("adm2"), await scope("gw1")
    chunks = [c async for c in search.stream(street, search.CaseQuery(page=3, per_page=2), 3)]
    ids = [c.id for chunk in chunks for c in chunk]
    assert all(len(chunk) <= 3 for chunk in chunks) and len(chunks) > 10
    assert ids == sorted(ids) == sorted(await Case.all().values_list("id", flat=True))
    mine = [c async for chunk in search.stream(worker, search.CaseQuery(overdue=True), 3)
            for c in chunk]
    assert sorted(c.number for c in mine) == sorted(
        c.number for c in await Case.filter(grid_code="G1", overdue=True)) != []
    assert [c async for c in search.stream(worker, search.CaseQuery(grid="G3"), 3)] == []


async def test_csv_rows_mask_and_name(db):
    await crafted()
    monday, _ = week_bounds(WEEK)
    c = await case(9002, "G3", monday + timedelta(hours=3), status=CaseStatus.CLOSED,
                   description="井盖丢了，电话13812345678，我叫王小明",
                   address="人民大街 5号楼2单元301室", accepted_at=monday + timedelta(hours=4),
                   closed_at=monday + timedelta(hours=30), rating=4, overdue=True)
    rows = await search.csv_rows([c, await Case.get(number="A1100")])
    assert len(search.CSV_HEADER) == len(rows[0]) == len(rows[1]) == 14
    row = dict(zip(search.CSV_HEADER, rows[0], strict=True))
    assert "13812345678" not in row["描述"] and "138" not in row["描述"]
    assert "王小明" not in row["描述"] and "井盖丢了" in row["描述"]
    assert row["地址"].startswith("人民大街") and "301" not in row["地址"]
    assert (row["编号"], row["社区"], row["网格"], row["类别"]) == (
        "A9002", "南湖社区", "第三网格", "路灯")
    assert row["状态"] == "已完结" and row["超时"] == "是" and row["评价"] == "4"
    assert row["上报时间"] == clock.local(monday + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    assert row["完结时间"].endswith("06:00") and row["办结时间"] == ""
    assert row["来源"] in {"公众号", "小程序", "Open311", "12345热线", "走访"}
    assert dict(zip(search.CSV_HEADER, rows[1], strict=True))["超时"] == "否"
    out = io.StringIO()
    csv.writer(out).writerows([search.CSV_HEADER, *rows])
    assert list(csv.reader(io.StringIO(out.getvalue())))[1] == rows[0]
    assert await search.csv_rows([]) == []
