"""周通报 in a real browser (Chromium against ``linli serve`` with the demo data, as
tests/test_console_browser.py): the week with the most demo cases, opened from the navigation;
the charts draw; every figure on the page equals ``linli bulletin --week`` run as a CLI process
against the same database (a street admin: every unit; 繁荣社区's admin: theirs); printed to
an A4 PDF of 1-3 pages with the charts at the paper's width; the 打印 button prints; a bad week
is told in Chinese. Screenshots and the PDF (and its pages as PNG when pdftoppm is there) are
saved under tests/artifacts/console.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from datetime import timedelta

from handlers.reports.bulletin import render as bulletin_render
from handlers.reports.bulletin import texts as bt
from handlers.reports.bulletin.queries import week_bounds, week_of
from storage import clock
from tests.support.browser import ARTIFACTS, BROWSER_MARKS, ConsoleServer
from tests.test_console_browser import _street_admin

pytestmark = BROWSER_MARKS

ADMIN = "demo-admin"  # 繁荣社区's admin
UNITS_JS = """() => [...document.querySelectorAll('[data-unit]')].map(e => ({
  unit: e.dataset.unit, kind: e.dataset.kind || '', rank: e.dataset.rank || '',
  cases: e.dataset.cases, accept: e.dataset.accept, sla: e.dataset.sla,
  reopen: e.dataset.reopen, rating: e.dataset.rating}))"""
CHART_WIDTHS_JS = """() => ['chart-communities', 'chart-grids'].map(id =>
  echarts.getInstanceByDom(document.getElementById(id)).getWidth())"""
BOX_WIDTHS_JS = """() => ['chart-communities', 'chart-grids'].map(id =>
  document.getElementById(id).clientWidth)"""


def _num(raw: str) -> float | None:
    return None if raw == "" else float(raw)


def _line(u: dict, template: str, name: str | None = None, **extra: object) -> str:
    rating = _num(u["rating"])
    return template.format(name=u["unit"] if name is None else name, cases=int(u["cases"]),
                           accept=bulletin_render._hours(_num(u["accept"])),
                           sla=bulletin_render.share(_num(u["sla"])),
                           reopen=bulletin_render.share(_num(u["reopen"])),
                           rating=bt.B_NONE if rating is None else f"{rating:.1f}分", **extra)


async def _busiest_week(server: ConsoleServer) -> str:
    """Of the last five ISO weeks, the one with the most demo cases submitted."""
    counts = {}
    for back in range(5):
        week = week_of(clock.now() - timedelta(days=7 * back))
        since, until = week_bounds(week)
        counts[week] = await server.value(
            "SELECT count(*) FROM report_case WHERE status NOT IN ('merged', 'hidden') "
            "AND created_at >= $1 AND created_at < $2", since, until)
    week = max(counts, key=lambda w: (counts[w], w))
    assert counts[week] >= 3, counts
    return week


async def _cli_lines(server: ConsoleServer, week: str) -> list[str]:
    code, out, err = await server.cli("bulletin", "--week", week)
    assert code == 0, err
    return out.splitlines()


def _section(lines: list[str], title: str) -> list[str]:
    start = lines.index(title) + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("【"))
    return lines[start:end]


async def test_the_bulletin_page_equals_the_cli_and_prints_on_a4(page, console_server, login,
                                                                  shoot):
    server = console_server
    week = await _busiest_week(server)
    await login(page, await _street_admin(server))
    await page.click("nav a:text-is('周通报')")
    await page.wait_for_url(f"{server.url}/console/bulletin")
    await page.fill("input[name=week]", week)
    await page.click("#week-form button[type=submit]")
    await page.wait_for_url(f"{server.url}/console/bulletin/{week}")
    for chart in ("#chart-communities", "#chart-grids"):
        await page.wait_for_selector(f"{chart}[data-ready='1']")
    await page.wait_for_timeout(300)  # the canvases paint after the option is set
    await shoot(page, "bulletin")
    # Every figure against the text of the CLI, run against the same database.
    lines = await _cli_lines(server, week)
    units = await page.evaluate(UNITS_JS)
    total = next(u for u in units if u["unit"] == "total")
    assert _line(total, bt.B_TOTAL, name="") in lines
    communities = [_line(u, bt.B_UNIT) for u in units if u["kind"] == "community"]
    grids = [_line(u, bt.B_UNIT) for u in units if u["kind"] == "grid"]
    assert communities == _section(lines, bt.B_COMMUNITIES) and len(communities) >= 2
    assert grids == _section(lines, bt.B_GRIDS) and len(grids) >= 3
    ranked = [_line(u, bt.B_RANK, rank=int(u["rank"])) for u in units if u["rank"]]
    ranking = _section(lines, next(x for x in lines if x.startswith("【排名】")))
    assert ranked == [x for x in ranking if not x.startswith("本周没有")]
    wishes = int(await page.get_attribute("#wishes-total", "data-wishes"))
    assert next(x for x in lines if x.startswith("【微心愿】")).startswith(
        f"【微心愿】本周完成 {wishes} 个")
    # The charts: one row per unit, painted (not one flat colour).
    assert await page.get_attribute("#chart-grids", "data-rows") == str(len(grids))
    png = await page.locator("#chart-grids canvas").first.screenshot()
    assert len(set(png[i] for i in range(100, len(png), 97))) > 20
    # 打印 calls the browser's print (replaced here: headless Chromium has no dialog).
    await page.evaluate("() => { window.__printed = 0; window.print = () => window.__printed++; }")
    await page.click("#print")
    assert await page.evaluate("() => window.__printed") == 1
    # On paper: the charts are drawn again at the A4 text width, the navigation is gone.
    await page.emulate_media(media="print")
    await page.wait_for_timeout(200)
    assert await page.evaluate(CHART_WIDTHS_JS) == [680, 680]
    assert not await page.locator("header.top").is_visible()
    assert not await page.locator("#print").is_visible()
    await shoot(page, "bulletin-print")
    pdf = ARTIFACTS / "bulletin.pdf"
    await page.pdf(path=str(pdf), format="A4", print_background=True)
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert 1 <= pages <= 3, pages
    if shutil.which("pdftoppm"):  # the printed pages as images, to look at
        proc = await asyncio.create_subprocess_exec(
            "pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / "bulletin-pdf"))
        assert await asyncio.wait_for(proc.wait(), 60) == 0
    await page.emulate_media(media="screen")
    await page.wait_for_timeout(200)
    # back on screen: as wide as their boxes again
    assert await page.evaluate(CHART_WIDTHS_JS) == await page.evaluate(BOX_WIDTHS_JS)


async def test_a_community_admin_sees_their_community_and_a_bad_week_is_told(
        page, console_server, login, shoot):
    server = console_server
    week = await _busiest_week(server)
    await login(page, ADMIN)
    await page.goto(f"/console/bulletin/{week}")
    await page.wait_for_selector("#chart-grids[data-ready='1']")
    lines = await _cli_lines(server, week)
    units = await page.evaluate(UNITS_JS)
    mine = [u for u in units if u["kind"]]
    assert mine and all(u["unit"].startswith("繁荣社区") for u in mine)
    assert all(_line(u, bt.B_UNIT) in lines for u in mine)
    await shoot(page, "bulletin-community")
    r = await page.goto("/console/bulletin/2026-W99")
    assert r.status == 400
    assert "不是有效的周次" in await page.locator("main").inner_text()
    await shoot(page, "bulletin-bad-week")
