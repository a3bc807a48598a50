"""The programme pages of the console (心愿, 积分, 人员, 周通报) in a real browser: Debian's
Chromium driven by Playwright against ``linli serve`` on PostgreSQL + Redis with the demo data
(tests/support/browser.py). Chat is the real webhook: signed callback XML posted to the
served ``/wechat``, as ``linli chat`` does. Pages are saved as
tests/artifacts/console/<test>-<page>.png.
"""

from __future__ import annotations

import re

import aiohttp

from bot import callbacks
from bot.config import SANDBOX_TOKEN
from tests.support.browser import BROWSER_MARKS, ConsoleServer

pytestmark = BROWSER_MARKS

ADMIN, RESIDENT, VOLUNTEER = "demo-admin", "demo-resident", "demo-volunteer"


async def chat(server: ConsoleServer, openid: str, text: str) -> str:
    """Send ``text`` as ``openid`` to the served webhook; the passive reply's text."""
    async with aiohttp.ClientSession() as http, http.post(
            server.url + "/wechat", params=callbacks.signed_query(SANDBOX_TOKEN),
            data=callbacks.text(openid, text).encode()) as r:
        assert r.status == 200
        return callbacks.reply_text(None, await r.text(), {}) or ""


# -- 心愿 ---------------------------------------------------------------------------------------


async def _wish_in_chat(server: ConsoleServer, title: str) -> str:
    """A resident's 许愿 conversation in chat, to the end; the new wish's number."""
    replies = [await chat(server, RESIDENT, line) for line in (
        "许愿", title, "晚上看不清楼道", "2", "跳过", "不限", "繁荣社区 5号楼3单元101", "跳过")]
    assert title in replies[-1], replies  # the card to check
    submitted = await chat(server, RESIDENT, "确认")
    found = re.search(r"W\d+", submitted)
    assert found, submitted
    return found.group(0)


async def _wall_shows(server: ConsoleServer, openid: str, number: str) -> str:
    """心愿墙 in chat, page after page (下一页) until ``number`` shows; the page with it."""
    reply = await chat(server, openid, "心愿墙")
    for _ in range(20):
        if number in reply or "下一页" not in reply:
            break
        reply = await chat(server, openid, "下一页")
    return reply


async def test_a_wish_approved_in_the_console_is_on_the_wall_in_chat(
        page, console_server, login, shoot):
    server = console_server
    title = "想要一盏楼道感应灯"
    number = await _wish_in_chat(server, title)
    wish_id = int(number[1:])
    reader = "o-wall-reader"
    assert number not in await _wall_shows(server, reader, number)  # not yet approved
    await login(page, ADMIN)
    await page.click("nav a:has-text('心愿')")
    await page.wait_for_url(server.url + "/console/wishes")
    row = page.locator(f'#queue .review[data-number="{number}"]')
    assert title in await row.inner_text()
    shown = await row.inner_text()  # the place down to the building, as 待审心愿 in chat
    assert "5号楼" in shown and "3单元101" not in shown
    await shoot(page, "wishes")
    await row.locator("button.approve").click()
    await page.wait_for_url(re.compile(r".*/console/wishes\?msg=.*"))
    assert "已通过" in await page.locator(".flash.ok").inner_text()
    assert await page.locator(f'#queue .review[data-number="{number}"]').count() == 0
    assert await server.value("SELECT status FROM wish WHERE id = $1", wish_id) == "open"
    assert await server.value("SELECT count(*) FROM wish_event WHERE wish_id = $1 AND "
                              "kind = 'approved' AND actor = $2", wish_id, ADMIN) == 1
    # The poster is told, through the outbox, exactly as when 通过 is typed in chat.
    told = [r["payload"] for r in await server.fetch(
        "SELECT payload FROM outbox_message WHERE openid = $1 ORDER BY id", RESIDENT)]
    assert any(number in str(p) and "已通过审核" in str(p) for p in told)
    await shoot(page, "wishes-approved")
    # The wish's page: its history, from the chat's 提交 to the console's 通过.
    await page.click(f'#list tr[data-number="{number}"] a')
    await page.wait_for_url(f"{server.url}/console/wishes/{number}")
    kinds = await page.locator("#timeline li").evaluate_all(
        "items => items.map(i => i.dataset.kind)")
    assert kinds == ["submitted", "approved"]
    assert await page.locator("#wish-status").inner_text() == "待认领"
    await shoot(page, "wish")
    # In chat, anyone's 心愿墙 now lists it.
    wall = await _wall_shows(server, reader, number)
    assert number in wall and title in wall, wall
    # A volunteer claims it in chat: the console lists the running claim with its time left.
    assert number in await chat(server, VOLUNTEER, f"认领 {number}")
    await page.goto("/console/wishes")
    claim = page.locator(f'#claims tr[data-number="{number}"]')
    assert re.fullmatch(r"剩 2 天 2[23] 小时", (await claim.locator("td.left").inner_text()))
    await shoot(page, "wishes-claimed")
    # The other pages of the section draw (looked at in the screenshots).
    await page.goto("/console/wishes/new")
    await shoot(page, "wish-new")
    await page.goto("/console/wishes/volunteers")
    assert await page.locator("#volunteer-table tbody tr").count() >= 1
    await shoot(page, "volunteers")
