"""周通报 in the console over HTTP, on both backends: the page's figures against the text of
``linli bulletin --week`` (a street admin: every unit; a community admin: theirs), fulfilled
wishes and points per community, 404 for anyone but admins, a clear 400 for a bad week, the
week selector, and the link at the end of the Monday bulletin sent to admins."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest

from handlers.reports.bulletin import notify as bulletin_notify
from handlers.reports.bulletin import queries as bulletin
from handlers.reports.bulletin import render as bulletin_render
from handlers.reports.bulletin import texts as bt
from rewards import ledger
from rewards.rules import apply_rule
from storage import clock
from storage.core.models import OutboxMessage, Wish, WishKind, WishStatus
from tests.support.cli import run_cli
from tests.support.console_data import WEEK, WEEKS, crafted
from tests.test_console_web import sign_in

ROW = re.compile(r"<(?:tr|li|section)\b([^>]*\bdata-unit=\"[^\"]*\"[^>]*)>")
ATTR = re.compile(r'data-([\w-]+)="([^"]*)"')


def _units(body: str) -> list[dict[str, str]]:
    """Every unit on the page (total, communities, grids, ranking) with its data- figures."""
    return [{k: html.unescape(v) for k, v in ATTR.findall(m)} for m in ROW.findall(body)]


def _num(raw: str) -> float | None:
    return None if raw == "" else float(raw)


def _line(u: dict[str, str], template: str, **extra: object) -> str:
    """The text bulletin's line of a unit, written from the page's data- figures with the
    text's own formatting."""
    rating = _num(u["rating"])
    return template.format(name=u["unit"], cases=int(u["cases"]),
                           accept=bulletin_render._hours(_num(u["accept"])),
                           sla=bulletin_render.share(_num(u["sla"])),
                           reopen=bulletin_render.share(_num(u["reopen"])),
                           rating=bt.B_NONE if rating is None else f"{rating:.1f}分", **extra)


async def _text(db, week: str) -> list[str]:
    out = await run_cli("bulletin", "--week", week, env={"LINLI_DATABASE_URL": db.database_url})
    assert out.code == 0, out.err
    return out.out.splitlines()


def _section(lines: list[str], title: str) -> list[str]:
    start = lines.index(title) + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("【"))
    return lines[start:end]


async def _wishes_and_points() -> None:
    """In WEEK: two wishes fulfilled in 明珠社区 (C1), one in 南湖社区 (C2), one the week
    after; points earned for a case of G1, a wish of G3 and a wish of 明珠社区 without a grid,
    and an operator's grant (another the week after)."""
    since, until = bulletin.week_bounds(WEEK)
    for i, (community, grid, at) in enumerate((
            ("明珠社区", "G1", since + timedelta(days=1)), ("明珠社区", None, since + timedelta(days=2)),
            ("南湖社区", "G3", since + timedelta(days=3)), ("明珠社区", "G2", until + timedelta(hours=1)))):
        await Wish.create(kind=WishKind.GOODS, title=f"买菜{i}", poster_openid="adm1",
                          community=community, grid=grid, status=WishStatus.CLOSED,
                          claimant_openid=f"v{i}", confirmed_at=at, created_at=at - timedelta(days=1))
    g3_wish = await Wish.filter(grid="G3").first()
    no_grid = await Wish.filter(community="明珠社区", grid=None).first()
    clock.advance(since + timedelta(days=2) - clock.now())
    await apply_rule("report_confirmed_reporter", "r1101", "A1101")  # a case of G1 (C1)
    await apply_rule("wish_fulfilled_volunteer", "v2", g3_wish.number)  # 南湖社区 G3
    await apply_rule("wish_fulfilled_volunteer", "v1", no_grid.number)  # 明珠社区, by name
    await ledger.grant("r1101", 7, "活动", key="test:grant:1")
    clock.advance(timedelta(days=6))  # the week after: not counted
    await ledger.grant("r1101", 100, "活动", key="test:grant:2")
    clock.reset()


@pytest.fixture
async def week_world(bot):
    await crafted()
    await _wishes_and_points()
    return bot


async def test_street_admin_page_equals_the_text_bulletin(week_world, db):
    street = await sign_in(week_world.client, "adm2")
    r = await street.get(f"/console/bulletin/{WEEK}")
    assert r.status == 200
    body = await r.text()
    lines = await _text(db, WEEK)
    units = _units(body)
    total = next(u for u in units if u["unit"] == "total")
    assert _line({**total, "unit": ""}, bt.B_TOTAL) in lines
    assert int(total["cases"]) == 14 and total["reopen"] and total["rating"]
    # every community and grid line of the text, and nothing else, in the text's order
    shown = {kind: [_line(u, bt.B_UNIT) for u in units if u.get("kind") == kind]
             for kind in ("community", "grid")}
    assert shown["community"] == _section(lines, bt.B_COMMUNITIES)
    assert shown["grid"] == _section(lines, bt.B_GRIDS)
    assert len(shown["grid"]) == 3
    # the ranking: the same units in the same order (MIN_VOLUME cases at least)
    ranked = [_line(u, bt.B_RANK, rank=int(u["rank"])) for u in units if "rank" in u]
    assert ranked and ranked == _section(lines, bt.B_RANKING.format(minimum=bulletin.MIN_VOLUME))
    # fulfilled wishes: the text's line; points: earned by rule where the subject is, grants
    wishes = dict(re.findall(r'data-community="([^"]+)" data-wishes="(\d+)"', body))
    assert wishes == {"明珠社区": "2", "南湖社区": "1"}
    assert bt.B_WISHES.format(total=3, by_community="明珠社区 2个，南湖社区 1个") in lines
    assert 'id="wishes-total" data-wishes="3"' in body
    points = dict(re.findall(r'data-community="([^"]+)" data-wishes="\d+" data-points="(\d+)"',
                             body))
    assert points == {"明珠社区": "30", "南湖社区": "20"}
    assert 'id="granted" data-points="7"' in body and 'id="points-total" data-points="57"' in body
    grid_points = {u["unit"]: re.search(rf'data-unit="{u["unit"]}"[^>]*>.*?data-points="(\d+)"',
                                        body, re.S).group(1)
                   for u in units if u.get("kind") == "grid"}
    assert grid_points == {"明珠社区·第一网格": "10", "明珠社区·第二网格": "0",
                           "南湖社区·第三网格": "20"}
    # the charts' data: one row per unit, the tables' order, cases and on-time shares
    charts = json.loads(re.search(r'id="bulletin-data">(.*?)</script>', body).group(1))
    grids = [u for u in units if u.get("kind") == "grid"]
    assert charts["grids"]["names"] == [u["unit"] for u in grids]
    assert charts["grids"]["cases"] == [int(u["cases"]) for u in grids]
    assert charts["grids"]["sla"] == [round(float(u["sla"]) * 100) if u["sla"] else None
                                      for u in grids]
    assert len(charts["communities"]["names"]) == 2


async def test_every_week_agrees_and_a_community_admin_sees_theirs(week_world, db):
    street = await sign_in(week_world.client, "adm2")
    community = await sign_in(week_world.client, "adm1")
    for week in WEEKS:
        lines = await _text(db, week)
        body = await (await street.get(f"/console/bulletin/{week}")).text()
        listed = [_line(u, bt.B_UNIT) for u in _units(body) if u.get("kind")]
        assert listed and set(listed) <= set(lines), week
        # 明珠社区's admin: their community and its grids, the same lines; no 南湖社区
        r = await community.get(f"/console/bulletin/{week}")
        assert r.status == 200
        mine = _units(await r.text())
        names = {u["unit"] for u in mine if u.get("kind")}
        assert names and all(n.startswith("明珠社区") for n in names), names
        assert all(_line(u, bt.B_UNIT) in lines for u in mine if u.get("kind")), week
        total = next(u for u in mine if u["unit"] == "total")
        c1 = next(u for u in mine if u.get("kind") == "community")
        assert _line({**total, "unit": c1["unit"]}, bt.B_UNIT) == _line(c1, bt.B_UNIT)
    body = await (await community.get(f"/console/bulletin/{WEEK}")).text()
    assert re.findall(r'data-community="([^"]+)"', body) == ["明珠社区"]
    assert 'id="granted"' not in body and 'id="points-total" data-points="30"' in body


async def test_only_admins_and_a_bad_week_is_told(week_world):
    client = week_world.client
    for openid in ("gw1", "pm1"):
        viewer = await sign_in(client, openid)
        for path in ("/console/bulletin", f"/console/bulletin/{WEEK}"):
            assert (await viewer.get(path)).status == 404, (openid, path)
        assert "周通报" not in await (await viewer.get("/console/")).text()
    admin = await sign_in(client, "adm2")
    home = await (await admin.get("/console/")).text()
    assert 'href="/console/bulletin"' in home
    for bad in ("2026-W99", "last", "2026-47", "9999999-W01"):
        r = await admin.get(f"/console/bulletin/{bad}")
        assert r.status == 400, bad
        assert "不是有效的周次" in await r.text()
    # the week selector sends to the week's own page; lower case is the same week
    chosen = await admin.get("/console/bulletin?week=2026-W46")
    assert chosen.status == 303 and chosen.headers["Location"] == "/console/bulletin/2026-W46"
    page = await (await admin.get("/console/bulletin/2026w46")).text()
    assert 'data-week="2026-W46"' in page
    assert 'href="/console/bulletin/2026-W45"' in page and 'href="/console/bulletin/2026-W47"' in page
    # without a week: the last full week, as Monday's bulletin
    latest = await (await admin.get("/console/bulletin")).text()
    assert f'data-week="{bulletin.last_week()}"' in latest and 'id="no-ranking"' in latest


async def test_the_monday_bulletin_links_to_the_page(db):
    await crafted()
    await bulletin_notify.send(WEEK, "https://linli.example.org/")
    payloads = await OutboxMessage.filter(openid="adm1").order_by("id").values_list(
        "payload", flat=True)
    sent = "\n".join(p["text"] for p in payloads)
    assert sent.rstrip().endswith(bt.B_LINK.format(
        url="https://linli.example.org/console/bulletin/2026-W47"))
    text, _ = await bulletin_render.render(WEEK)
    for line in text.splitlines():  # the text itself is kept whole
        assert line in sent
    assert bulletin_notify.page_url("2026-W01") == "http://127.0.0.1:8080/console/bulletin/2026-W01"
