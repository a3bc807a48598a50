"""The web console (指挥中心) in a real browser: Debian's Chromium driven by Playwright against
``linli serve`` on PostgreSQL + Redis with the demo data (tests/support/browser.py).

Signing in by a link from ``linli console link``; the overview's figures against the database;
the map drawing every grid; filtering, opening and 督办 a case (the history line and the push
in the sandbox); the CSV export; a grid worker's scope; a cross-site POST; expired and reused
links; 代录. Every page is saved as tests/artifacts/console/<test>-<page>.png.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest_asyncio

from bot import callbacks
from bot.config import SANDBOX_TOKEN
from handlers.reports.search import CSV_HEADER
from tests.support.browser import BROWSER_MARKS, ConsoleServer

pytestmark = BROWSER_MARKS

ADMIN, GRID = "demo-admin", "demo-grid-g01"
OPEN = ("submitted", "dispatched", "accepted", "in_progress", "reviewing", "reopened")
OPEN_SQL = "status IN ('" + "','".join(OPEN) + "')"
# demo-admin administers 繁荣社区 (FR: grids G01, G02): their scope, as Scope.q() says.
ADMIN_SCOPE = "(community_code = 'FR' OR assignee_openid = 'demo-admin')"
SHANGHAI_TODAY = ("date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') "
                  "AT TIME ZONE 'Asia/Shanghai'")
SHANGHAI_MONDAY = ("date_trunc('week', now() AT TIME ZONE 'Asia/Shanghai') "
                   "AT TIME ZONE 'Asia/Shanghai'")


# -- cases to work on: the demo data's, else phoned in through the console itself ------------


async def _phone_in(server: ConsoleServer, building: str, text: str) -> str:
    """代录 over HTTP (as demo-admin): the new case's number (the page it lands on may be a
    404 for a case outside the admin's community; the case exists all the same)."""
    jar = aiohttp.CookieJar(unsafe=True)  # cookies of 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        token = parse_qs(urlsplit(await server.link(ADMIN)).query)["t"][0]
        async with http.post(server.url + "/console/login", data={"t": token},
                             headers={"Origin": server.url}) as r:
            assert r.status == 200 and r.url.path == "/console/"
        async with http.get(server.url + "/console/intake") as r:
            csrf = re.search(r'data-csrf="([^"]+)"', await r.text()).group(1)
        form = aiohttp.FormData({"csrf": csrf, "source": "hotline", "category": "garbage",
                                 "description": text, "building": building,
                                 "caller_name": "李先生", "caller_phone": "13812345678"})
        async with http.post(server.url + "/console/intake", data=form, allow_redirects=False,
                             headers={"Origin": server.url}) as r:
            assert r.status == 303, await r.text()
            return urlsplit(r.headers["Location"]).path.rsplit("/", 1)[1]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cases(console_server: ConsoleServer) -> dict[str, str]:
    """An open case of G01 with an assignee (to 督办) and a case of G03 (another community)."""
    server = console_server
    g01 = f"grid_code = 'G01' AND {OPEN_SQL} AND assignee_openid IS NOT NULL"
    if not await server.value(f"SELECT count(*) FROM report_case WHERE {g01}"):
        await _phone_in(server, "B12-1", "明珠小区1号楼门口垃圾堆了三天没人清理")
    if not await server.value("SELECT count(*) FROM report_case WHERE grid_code = 'G03'"):
        await _phone_in(server, "B14-1", "和顺路14号楼下垃圾桶满了，气味很大")
    return {
        "g01": await server.value(
            f"SELECT number FROM report_case WHERE {g01} AND supervised_at IS NULL "
            "ORDER BY id LIMIT 1"),
        "g03": await server.value(
            "SELECT number FROM report_case WHERE grid_code = 'G03' ORDER BY id LIMIT 1"),
    }

GRID_POINT_JS = """async ([selector, code]) => {
  const el = document.querySelector(selector);
  const chart = echarts.getInstanceByDom(el);
  const d = await (await fetch(el.dataset.src)).json();
  const f = d.grids.features.find(g => g.properties.code === code);
  const poly = f.geometry.type === "Polygon" ? f.geometry.coordinates : f.geometry.coordinates[0];
  const ring = poly[0].slice(0, -1);
  const c = [0, 1].map(i => ring.reduce((a, p) => a + p[i], 0) / ring.length);
  // A quarter of the way from the centre to a corner: inside, and clear of the grid's label.
  const at = [0, 1].map(i => c[i] + (ring[0][i] - c[i]) / 4);
  const px = chart.convertToPixel("geo", at);
  const box = el.getBoundingClientRect();
  return {x: box.left + px[0], y: box.top + px[1], lng: at[0], lat: at[1]};
}"""
MARKER_JS = """(selector) => {
  const el = document.querySelector(selector);
  const chart = echarts.getInstanceByDom(el);
  const data = chart.getOption().series[1].data;
  const box = el.getBoundingClientRect();
  return data.map(m => {
    const px = chart.convertToPixel("geo", m.value);
    return {number: m.name, x: box.left + px[0], y: box.top + px[1]};
  }).filter(m => m.x > box.left + 20 && m.x < box.right - 20 && m.y > box.top + 20
                 && m.y < box.bottom - 20);
}"""


async def grid_point(page, selector: str, code: str) -> dict:
    """Where on the page grid ``code`` of the map in ``selector`` is drawn (and the place)."""
    return await page.evaluate(GRID_POINT_JS, [selector, code])


async def rendered_fonts(page, selector: str) -> set[str]:
    """The families of the platform fonts that drew the text of ``selector``."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("DOM.enable")
    await cdp.send("CSS.enable")
    root = await cdp.send("DOM.getDocument")
    node = await cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"],
                                                "selector": selector})
    fonts = await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    await cdp.detach()
    return {f["familyName"] for f in fonts["fonts"]}


def _read(path: str | Path) -> bytes:
    return Path(path).read_bytes()


async def _figure(page, name: str) -> str:
    return (await page.locator(f'[data-figure="{name}"]').inner_text()).strip()


# -- the tests --------------------------------------------------------------------------------


async def test_log_in_by_link_and_the_overview_agrees_with_the_database(
        page, console_server, shoot, cases):
    server = console_server
    link = await server.link(ADMIN)
    await page.goto(link)
    await shoot(page, "login")
    await page.click("#enter")
    await page.wait_for_url(server.url + "/console/")
    cookie = next(c for c in await page.context.cookies() if c["name"] == "linli_console")
    assert cookie["httpOnly"] and cookie["path"] == "/console"
    assert "张丽" in await page.locator(".who").inner_text()
    # Chinese is drawn with a CJK font, not boxes: the fonts Chromium really used.
    assert "Noto Sans CJK SC" in await rendered_fonts(page, ".brand")
    await page.wait_for_selector("#chart-daily[data-ready='1']")
    await page.wait_for_selector("#chart-categories[data-ready='1']")
    await shoot(page, "overview")
    expected = {
        "open": f"SELECT count(*) FROM report_case WHERE {ADMIN_SCOPE} AND {OPEN_SQL}",
        "new_today": f"SELECT count(*) FROM report_case WHERE {ADMIN_SCOPE} "
                     f"AND status NOT IN ('merged', 'hidden') AND created_at >= {SHANGHAI_TODAY}",
        "new_week": f"SELECT count(*) FROM report_case WHERE {ADMIN_SCOPE} "
                    f"AND status NOT IN ('merged', 'hidden') AND created_at >= {SHANGHAI_MONDAY}",
        "overdue": f"SELECT count(*) FROM report_case WHERE {ADMIN_SCOPE} AND {OPEN_SQL} "
                   "AND overdue",
    }
    # The service's scheduler runs its sweeps meanwhile (one may mark a case overdue between
    # the page and the count): a difference must not last beyond a reload.
    for _ in range(3):
        shown = {name: int(await _figure(page, name)) for name in expected}
        counted = {name: await server.value(sql) for name, sql in expected.items()}
        if shown == counted:
            break
        await page.reload()
    assert shown == counted
    assert counted["open"] > 0  # there is something to count (demo data or phoned in)
    # The period figure "cases" is the bulletin's count of the last 30 days in scope.
    period = await server.value(
        f"SELECT count(*) FROM report_case WHERE {ADMIN_SCOPE} "
        "AND status NOT IN ('merged', 'hidden') AND created_at >= now() - interval '30 days'")
    assert int(await _figure(page, "cases")) == period
    await page.click("a.button:has-text('本周')")
    await page.wait_for_selector("#chart-daily[data-ready='1']")
    await shoot(page, "overview-week")


async def _street_admin(server: ConsoleServer) -> str:
    """A street admin (an admin of no community: sees the whole district), made as an
    operator does: ``linli staff invite``, then 绑定 CODE sent in chat (the webhook)."""
    openid = "o-street-admin"
    code, out, err = await server.cli("staff", "invite", "--role", "admin", "--name", "赵指挥")
    assert code == 0, err
    invite = out.split()[0]
    async with aiohttp.ClientSession() as http, http.post(
            server.url + "/wechat", params=callbacks.signed_query(SANDBOX_TOKEN),
            data=callbacks.text(openid, f"绑定 {invite}").encode()) as r:
        assert r.status == 200
    assert await server.value("SELECT role FROM person WHERE openid = $1", openid) == "admin"
    return openid


async def test_the_map_draws_every_grid(page, console_server, login, shoot, cases):
    server = console_server
    await login(page, await _street_admin(server))
    await page.click("nav a:has-text('地图')")
    await page.wait_for_selector("#map[data-ready='1']")
    await page.wait_for_timeout(300)  # the canvas paints after the option is set
    await shoot(page, "map")
    # A street admin's map: every grid of the district, every open case with a place.
    grids = await server.value("SELECT count(*) FROM geo_grid")
    assert int(await page.get_attribute("#map", "data-grids")) == grids > 0
    markers = int(await page.get_attribute("#map", "data-markers"))
    assert markers >= await server.value(
        f"SELECT count(*) FROM report_case WHERE {OPEN_SQL} AND lat IS NOT NULL") > 0
    # The canvas is painted: not one flat colour.
    png = await page.locator("#map canvas").first.screenshot()
    assert len(set(png[i] for i in range(100, len(png), 97))) > 20
    # A click on a grid lists its cases; a click on a marker opens the case.
    where = await grid_point(page, "#map", "G02")
    await page.mouse.click(where["x"], where["y"])
    await page.wait_for_url(re.compile(r"/console/cases\?grid=G02$"))
    assert await page.locator("select[name=grid]").input_value() == "G02"
    await page.go_back()
    await page.wait_for_selector("#map[data-ready='1']")
    shown = await page.evaluate(MARKER_JS, "#map")
    assert shown
    await page.mouse.click(shown[0]["x"], shown[0]["y"])
    await page.wait_for_url(re.compile(r"/console/cases/A\d+$"))
    assert page.url.rsplit("/", 1)[1] in {m["number"] for m in shown}


async def test_filter_open_and_supervise_a_case(page, console_server, login, shoot, cases):
    server = console_server
    number = cases["g01"]
    assignee = await server.value(
        "SELECT assignee_openid FROM report_case WHERE number = $1", number)
    await login(page, ADMIN)
    await page.click("nav a:has-text('案件')")
    await page.select_option("select[name=status]", "open")
    await page.select_option("select[name=grid]", "G01")
    await page.click("#filters button[type=submit]")
    await page.wait_for_url(re.compile(r"/console/cases\?.*status=open"))
    await shoot(page, "cases")
    rows = page.locator("#case-table tbody tr[data-number]")
    listed = await rows.evaluate_all("rs => rs.map(r => r.dataset.number)")
    expected = await server.value(
        f"SELECT count(*) FROM report_case WHERE grid_code = 'G01' AND {OPEN_SQL}")
    assert f"共 {expected} 件" in await page.locator("#total").inner_text()
    assert number in listed and len(listed) == expected
    statuses = await rows.evaluate_all(
        "rs => rs.map(r => r.querySelector('.tag').className.match(/st-(\\w+)/)[1])")
    assert set(statuses) <= set(OPEN), statuses
    before = await server.sent(assignee)
    await page.click(f"#case-table a:text-is('{number}')")
    await page.wait_for_url(f"**/console/cases/{number}")
    await page.wait_for_selector("#case-map[data-ready='1']")
    await shoot(page, "case")
    await page.click("details > summary:has-text('督办')")
    note = "请今天下班前清理完毕并回复"
    await page.fill("details[open] textarea[name=text]", note)
    await page.click("#do-supervise")
    await page.wait_for_selector(".flash.ok")
    assert "已督办" in await page.locator(".flash.ok").inner_text()
    line = page.locator("#timeline li[data-action=supervise]")
    assert await line.count() == 1 and note in await line.inner_text()
    assert await page.locator("#supervised").is_visible()
    await shoot(page, "supervised")
    assert await server.value(
        "SELECT count(*) FROM report_case_event e JOIN report_case c ON e.case_id = c.id "
        "WHERE c.number = $1 AND e.action = 'supervise' AND e.note = $2", number, note) == 1
    # The assignee is told (the serve process's outbox sweep, every 5 s, into the sandbox).
    for _ in range(100):
        new = (await server.sent(assignee))[len(before):]
        if any(number in json.dumps(m, ensure_ascii=False) for m in new):
            break
        await asyncio.sleep(0.25)
    else:
        raise AssertionError(f"no push to {assignee} about {number}: {new}")
    # The action is in the audit log.
    await page.goto(f"/console/audit?target={number}")
    assert await page.locator("#audit-table tr[data-action=supervise]").count() == 1
    await shoot(page, "audit")


async def test_export_csv(page, console_server, login, cases):
    server = console_server
    await login(page, ADMIN)
    await page.goto("/console/cases?status=open")
    async with page.expect_download() as info:
        await page.click("#export")
    download = await info.value
    assert download.suggested_filename.endswith(".csv")
    raw = _read(await download.path())
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
    assert rows[0] == CSV_HEADER and rows[0][0] == "编号"
    expected = await server.fetch(
        f"SELECT number FROM report_case WHERE {ADMIN_SCOPE} AND {OPEN_SQL}")
    assert sorted(r[0] for r in rows[1:]) == sorted(r["number"] for r in expected)


async def test_a_grid_worker_cannot_see_another_grid_or_the_audit(
        page, console_server, login, shoot, cases):
    await login(page, GRID)
    assert await page.locator("nav a:has-text('审计')").count() == 0
    await shoot(page, "overview")
    await page.goto(f"/console/cases/{cases['g01']}")
    assert await page.locator("#timeline").count() == 1
    response = await page.goto(f"/console/cases/{cases['g03']}")
    assert response.status == 404
    assert "未找到" in await page.locator("h1").inner_text()
    assert cases["g03"] not in await page.content()
    await shoot(page, "other-grid")
    response = await page.goto("/console/audit")
    assert response.status == 404
    await page.goto("/console/cases")
    listed = await page.locator("#case-table tbody tr[data-number]").evaluate_all(
        "rs => rs.map(r => r.dataset.number)")
    assert cases["g01"] in listed and cases["g03"] not in listed
    await shoot(page, "cases")


async def test_a_cross_site_post_is_refused(page, console_server, login, cases):
    server = console_server
    number = cases["g01"]
    await login(page, ADMIN)
    await page.goto(f"/console/cases/{number}")
    csrf = await page.get_attribute("body", "data-csrf")
    notes = ("SELECT count(*) FROM report_case_event e JOIN report_case c ON e.case_id = c.id "
             "WHERE c.number = $1 AND e.action = 'note'")
    before = await server.value(notes, number)
    # The browser's own cookies and even the right token, but sent from another site.
    act = f"{server.url}/console/cases/{number}/act"
    form = {"action": "note", "text": "跨站写入", "csrf": csrf}
    forged = await page.context.request.post(act, form=form, max_redirects=0,
                                             headers={"Origin": "https://evil.example"})
    assert forged.status == 403
    assert "跨站" in await forged.text()
    assert await server.value(notes, number) == before
    # The same request from our own origin goes through: the origin made the difference.
    ours = await page.context.request.post(act, form=form, max_redirects=0,
                                           headers={"Origin": server.url})
    assert ours.status == 303
    assert await server.value(notes, number) == before + 1


async def test_a_reused_or_expired_link_is_refused(browser, page, console_server, shoot):
    server = console_server
    link = await server.link(ADMIN)
    await page.goto(link)
    await page.click("#enter")
    await page.wait_for_url(server.url + "/console/")
    # The same link in another browser (a forwarded link): used up.
    other = await browser.new_context(base_url=server.url, locale="zh-CN")
    try:
        second = await other.new_page()
        await second.goto(link)
        async with second.expect_response(lambda r: r.request.method == "POST") as info:
            await second.click("#enter")
        assert (await info.value).status == 403
        assert "登录链接无效" in await second.locator("h1").inner_text()
        await shoot(second, "reused")
        assert not [c for c in await other.cookies() if c["name"] == "linli_console"]
        # An expired link: the server's clock cannot be moved from here, so the link is made
        # and then its expiry set a minute into the past in the database (what 5 minutes of
        # waiting would do).
        late = await server.link(ADMIN)
        token = parse_qs(urlsplit(late).query)["t"][0]
        done = await server.execute(
            "UPDATE console_link SET expires_at = now() - interval '1 minute' "
            "WHERE token_hash = $1", hashlib.sha256(token.encode()).hexdigest())
        assert done == "UPDATE 1"
        await second.goto(late)
        async with second.expect_response(lambda r: r.request.method == "POST") as info:
            await second.click("#enter")
        assert (await info.value).status == 403
        await shoot(second, "expired")
        await second.goto("/console/")
        assert second.url.endswith("/console/login")
    finally:
        await other.close()


async def test_intake_of_a_phoned_case(page, console_server, login, shoot):
    server = console_server
    await login(page, ADMIN)
    await page.click("nav a:has-text('代录')")
    await page.wait_for_selector("#picker[data-ready='1']")
    await page.wait_for_timeout(300)
    await shoot(page, "intake")
    # The place is picked on the whole district: every grid is drawn.
    assert int(await page.get_attribute("#picker", "data-grids")) == await server.value(
        "SELECT count(*) FROM geo_grid")
    await page.select_option("select[name=source]", "hotline")
    await page.select_option("select[name=category]", "garbage")
    text = "来电反映：繁荣街东侧路口垃圾堆放多日无人清运"
    await page.fill("textarea[name=description]", text)
    # A place is a building or a click on the map, not both: each choice drops the other.
    await page.select_option("#building", "B13-2")
    where = await grid_point(page, "#picker", "G01")
    await page.mouse.click(where["x"], where["y"])
    lat, lng = await page.input_value("#lat"), await page.input_value("#lng")
    assert abs(float(lat) - where["lat"]) < 1e-4 and abs(float(lng) - where["lng"]) < 1e-4
    assert await page.input_value("#building") == ""
    await page.select_option("#building", "B13-2")
    assert (await page.input_value("#lat"), await page.input_value("#lng")) == ("", "")
    await page.select_option("#building", "")
    await page.mouse.click(where["x"], where["y"])
    await page.fill("input[name=caller_name]", "王女士")
    await page.fill("input[name=caller_phone]", "13900001111")
    await shoot(page, "intake-filled")
    await page.click("#intake-submit")
    await page.wait_for_url(re.compile(r"/console/cases/A\d+"))
    number = page.url.rsplit("/", 1)[1].split("?")[0]
    assert f"已代录为 {number}" in await page.locator(".flash.ok").inner_text()
    assert text in await page.locator("#description").inner_text()
    assert "王女士" in await page.locator("main").inner_text()  # who may act sees the caller
    await page.wait_for_selector("#case-map[data-ready='1']")
    await page.wait_for_timeout(300)
    await shoot(page, "case")
    row = (await server.fetch(
        "SELECT c.source, c.grid_code, c.description, c.lat, c.lng, k.phone, k.name "
        "FROM report_case c JOIN report_case_contact k ON k.case_id = c.id "
        "WHERE c.number = $1", number))[0]
    assert (row["source"], row["description"], row["phone"], row["name"]) == (
        "hotline", text, "13900001111", "王女士")
    assert (round(row["lat"], 6), round(row["lng"], 6)) == (float(lat), float(lng))
    assert row["grid_code"] == "G01"  # where it was clicked
