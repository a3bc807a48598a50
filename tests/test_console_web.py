"""The web console over HTTP, in process (no browser), on both backends: signing in by link,
every page for an admin, cross-site and token checks on changing requests, scope (404), the
CSV export's encoding and signing out. The browser tests (test_console_browser.py) drive the
same pages in Chromium against ``linli serve``."""

from __future__ import annotations

import csv
import io
import re

import pytest
from aiohttp.test_utils import TestClient

from bot.console.session import COOKIE
from handlers import console_access
from handlers.demo import load_demo_data
from handlers.reports import search
from handlers.reports.service.intake import submit_phoned
from handlers.reports.staff.scope import scope_of
from storage.core.models import Person
from storage.core.models.console import AuditEntry
from storage.reports.models import OPEN_STATUSES, Case, CaseEvent, CaseSource

ADMIN, GRID, RESIDENT = "demo-admin", "demo-grid-g01", "demo-resident"
CSRF = re.compile(r'data-csrf="([^"]+)"')


class Console:
    """One signed-in viewer: the session cookie sent by hand (several viewers, one client)."""

    def __init__(self, client: TestClient, cookie: str) -> None:
        self.client, self.cookie = client, cookie
        self.origin = str(client.make_url("")).rstrip("/")

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Cookie": f"{COOKIE}={self.cookie}", **extra}

    async def get(self, path: str, **kw):
        return await self.client.get(path, headers=self.headers(), allow_redirects=False, **kw)

    async def csrf(self, path: str = "/console/") -> str:
        r = await self.get(path)
        assert r.status == 200, path
        return CSRF.search(await r.text()).group(1)

    async def post(self, path: str, data: dict[str, str], origin: str | None = "ours"):
        extra = {} if origin is None else {"Origin": self.origin if origin == "ours" else origin}
        return await self.client.post(path, data=data, headers=self.headers(**extra),
                                      allow_redirects=False)


def _origin(client: TestClient) -> str:
    return str(client.make_url("")).rstrip("/")


async def _redeem(client: TestClient, token: str):
    return await client.post("/console/login", data={"t": token}, allow_redirects=False,
                             headers={"Origin": _origin(client)})


async def sign_in(client: TestClient, openid: str) -> Console:
    response = await _redeem(client, await console_access.create_link(openid))
    assert response.status == 303, await response.text()
    cookie = response.cookies[COOKIE].value
    client.session.cookie_jar.clear()
    return Console(client, cookie)


async def _in_scope(openid: str, open_only: bool = True, located: bool = False) -> set[str]:
    """The numbers of the (open, located) cases ``openid`` sees (the same rule as chat)."""
    scope = await scope_of(await Person.get(openid=openid))
    cases = Case.filter(status__in=list(OPEN_STATUSES)) if open_only else Case.all()
    return {c.number for c in await cases
            if scope.covers(c) and (c.lat is not None or not located)}


async def _phoned(building: str, text: str) -> Case:
    operator = await Person.get(openid=ADMIN)
    return await submit_phoned(operator, source=CaseSource.HOTLINE, category="garbage",
                               description=text, caller_name="李先生",
                               caller_phone="13812345678", lat=None, lng=None,
                               building_code=building, photo_ids=[])


@pytest.fixture
async def world(bot):
    """The demo district and two phoned-in cases: one in G01 (繁荣社区), one in G03 (和顺社区)."""
    await load_demo_data(cases=False)
    g01 = await _phoned("B12-1", "明珠小区1号楼门口垃圾堆了三天没人清理")
    g03 = await _phoned("B14-1", "和顺路14号楼下垃圾桶满了，气味很大")
    assert (g01.grid_code, g03.grid_code) == ("G01", "G03")
    return {"bot": bot, "g01": g01, "g03": g03}


async def test_sign_in_by_link_sets_an_httponly_cookie_once(world):
    client = world["bot"].client
    token = await console_access.create_link(ADMIN)
    # The link shows a button; opening it does not use it up (a link preview cannot).
    for _ in range(2):
        shown = await client.get(f"/console/login?t={token}", allow_redirects=False)
        assert shown.status == 200
        body = await shown.text()
        assert 'id="enter"' in body and token in body and "进入指挥中心" in body
    # Not signed in: every page sends to the sign-in page.
    away = await client.get("/console/cases", allow_redirects=False)
    assert away.status == 303 and away.headers["Location"] == "/console/login"
    entered = await _redeem(client, token)
    assert entered.status == 303 and entered.headers["Location"] == "/console/"
    cookie = entered.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "Path=/console" in cookie
    assert "samesite=lax" in cookie.lower() and "Secure" not in cookie  # http: no Secure
    home = await client.get("/console/", allow_redirects=False)
    assert home.status == 200 and "总览" in await home.text()
    # The same link again: refused, and no second session.
    client.session.cookie_jar.clear()
    again = await _redeem(client, token)
    assert again.status == 403 and COOKIE not in again.cookies
    assert "后台" in await again.text()
    assert await AuditEntry.filter(actor_openid=ADMIN, action="login").count() == 1


async def test_a_link_from_another_site_is_not_redeemed(world):
    client = world["bot"].client
    token = await console_access.create_link(ADMIN)
    forged = await client.post("/console/login", data={"t": token}, allow_redirects=False,
                               headers={"Origin": "https://evil.example"})
    assert forged.status == 403 and COOKIE not in forged.cookies
    assert (await _redeem(client, token)).status == 303  # not used up by the forgery


async def test_secure_cookie_behind_https(make_bot, db):
    await load_demo_data(cases=False)
    bot = await make_bot(public_url="https://linli.example.org")
    entered = await _redeem(bot.client, await console_access.create_link(ADMIN))
    assert entered.status == 303 and "Secure" in entered.headers["Set-Cookie"]


async def test_every_page_opens_for_an_admin(world):
    admin = await sign_in(world["bot"].client, ADMIN)
    number = world["g01"].number
    pages = {"/console/": "总览", "/console/?period=week": "本周",
             "/console/?period=lastweek": "上周", "/console/map": "地图",
             "/console/cases": number, "/console/cases?status=open&q=垃圾": number,
             f"/console/cases/{number}": "办理过程", "/console/intake": "代录",
             "/console/audit": "审计"}
    for path, expected in pages.items():
        r = await admin.get(path)
        assert r.status == 200, path
        body = await r.text()
        assert expected in body, path
        for label in ("总览", "地图", "案件", "代录", "审计"):
            assert f">{label}</a>" in body, (path, label)
        assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert r.headers["Cache-Control"] == "no-store"
    data = await admin.get("/console/map/data.json")
    assert data.status == 200
    doc = await data.json()
    assert doc["grids"]["type"] == "FeatureCollection" and doc["grids"]["features"]
    # The community admin's scope: 繁荣社区's cases and those assigned to them (the G03 case
    # is theirs: 和顺社区 has no grid worker and no admin of its own in the demo).
    shown = {m["number"] for m in doc["markers"]}
    assert number in shown
    assert await _in_scope(ADMIN, located=True) <= shown <= await _in_scope(ADMIN, False)
    static = await admin.get("/console/static/console.js")
    assert static.status == 200 and "echarts" in await static.text()


async def _supervisions(case: Case) -> int:
    return await CaseEvent.filter(case_id=case.id, action="supervise").count()


async def test_changing_requests_need_our_origin_and_the_session_token(world):
    admin = await sign_in(world["bot"].client, ADMIN)
    case = world["g01"]
    act = f"/console/cases/{case.number}/act"
    token = await admin.csrf(f"/console/cases/{case.number}")
    form = {"action": "supervise", "text": "请今天处理完", "csrf": token}
    # No Origin (nor Referer), or another site's: refused before anything happens.
    for origin in (None, "https://evil.example", "null"):
        refused = await admin.post(act, form, origin=origin)
        assert refused.status == 403, origin
    # Our origin but not the session's token (or none): refused.
    for wrong in ({**form, "csrf": "x" * len(token)}, {k: v for k, v in form.items()
                                                        if k != "csrf"}):
        assert (await admin.post(act, wrong)).status == 403
    assert await _supervisions(case) == 0
    # The token of another session is not this session's.
    other = await sign_in(world["bot"].client, ADMIN)
    assert (await admin.post(act, {**form, "csrf": await other.csrf()})).status == 403
    assert await _supervisions(case) == 0
    done = await admin.post(act, form)
    assert done.status == 303
    assert done.headers["Location"].startswith(f"/console/cases/{case.number}?msg=")
    assert await _supervisions(case) == 1
    assert (await Case.get(id=case.id)).supervised_at is not None
    assert await AuditEntry.filter(action="supervise", target=case.number).count() == 1


async def test_a_grid_worker_sees_their_grid_only(world):
    worker = await sign_in(world["bot"].client, GRID)
    mine, theirs = world["g01"].number, world["g03"].number
    assert (await worker.get(f"/console/cases/{mine}")).status == 200
    for path in (f"/console/cases/{theirs}", "/console/cases/A99999", "/console/audit"):
        r = await worker.get(path)
        assert r.status == 404, path
        assert theirs not in await r.text()
    listed = await (await worker.get("/console/cases")).text()
    assert mine in listed and theirs not in listed
    assert ">审计</a>" not in listed  # not offered either
    # Acting on another grid's case is 404 too (not 403: it does not exist for them).
    token = await worker.csrf()
    r = await worker.post(f"/console/cases/{theirs}/act",
                          {"action": "note", "text": "看看", "csrf": token})
    assert r.status == 404
    exported = await (await worker.get("/console/cases.csv")).read()
    assert mine.encode() in exported and theirs.encode() not in exported


async def test_a_resident_has_no_console(world):
    with pytest.raises(console_access.NotStaff):
        await console_access.create_link(RESIDENT)
    with pytest.raises(console_access.NotStaff):
        await console_access.create_link("o-nobody")
    # A staff member who is a resident again by the time the link is used gets nothing.
    token = await console_access.create_link(GRID)
    await Person.filter(openid=GRID).update(role="resident")
    refused = await _redeem(world["bot"].client, token)
    assert refused.status == 403 and COOKIE not in refused.cookies


async def test_a_session_ends_when_the_role_is_withdrawn(world):
    worker = await sign_in(world["bot"].client, GRID)
    assert (await worker.get("/console/")).status == 200
    await Person.filter(openid=GRID).update(role="resident")
    r = await worker.get("/console/")
    assert r.status == 303 and r.headers["Location"] == "/console/login"


async def test_the_csv_export_is_utf8_with_a_bom(world):
    admin = await sign_in(world["bot"].client, ADMIN)
    r = await admin.get("/console/cases.csv?status=open")
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    raw = await r.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw[3:].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == search.CSV_HEADER and any("\u4e00" <= ch <= "\u9fff" for ch in rows[0][0])
    numbers = {row[0] for row in rows[1:]}
    assert world["g01"].number in numbers and numbers == await _in_scope(ADMIN)
    # Private data stays out: no caller phone, no full description.
    assert "13812345678" not in text and "明珠小区1号楼门口垃圾堆了三天没人清理" not in text
    assert await AuditEntry.filter(actor_openid=ADMIN, action="export_csv").count() == 1


async def test_logout_ends_the_session(world):
    admin = await sign_in(world["bot"].client, ADMIN)
    token = await admin.csrf()
    assert (await admin.post("/console/logout", {"csrf": "nope"})).status == 403
    assert (await admin.get("/console/")).status == 200  # a refused logout changed nothing
    out = await admin.post("/console/logout", {"csrf": token})
    assert out.status == 303 and out.headers["Location"] == "/console/login"
    assert out.cookies[COOKIE].value == ""  # the cookie is cleared
    r = await admin.get("/console/")
    assert r.status == 303 and r.headers["Location"] == "/console/login"
