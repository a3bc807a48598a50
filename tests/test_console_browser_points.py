"""积分 and 人员 in a real browser (Chromium + Playwright against ``linli serve`` with the demo
data, tests/support/browser.py): an admin adds a reward in the console, a resident redeems it
in chat (signed callbacks to the served /wechat), a grid worker hands it out at the 核销
counter, and ``linli ledger verify`` still passes; a double-submitted and a re-posted restock
form add stock once; an admin invites staff; a grid worker gets 404 on 人员. Screenshots go to
tests/artifacts/console/<test>-<page>.png.
"""

from __future__ import annotations

import re

import aiohttp

from bot import callbacks
from bot.config import SANDBOX_TOKEN
from tests.support.browser import BROWSER_MARKS, ConsoleServer

pytestmark = BROWSER_MARKS

ADMIN, GRID, RESIDENT = "demo-admin", "demo-grid-g01", "demo-resident"


async def _say(server: ConsoleServer, openid: str, text: str) -> str:
    """A signed text message to the served /wechat, as WeChat posts it; the passive reply."""
    async with aiohttp.ClientSession() as http, http.post(
            server.url + "/wechat", params=callbacks.signed_query(SANDBOX_TOKEN, openid),
            data=callbacks.text(openid, text).encode()) as r:
        assert r.status == 200
        return callbacks.reply_text(None, await r.text(), {}) or ""


async def _stock(server: ConsoleServer, reward_id: int) -> int:
    return await server.value(
        "SELECT balance - reserved FROM ledger_account WHERE code = $1",
        f"reward:{reward_id}:stock")


async def test_add_redeem_in_chat_hand_out_at_the_counter(page, console_server, login, shoot):
    server = console_server
    await login(page, ADMIN)
    await page.click("nav a:has-text('积分')")
    await page.wait_for_url("**/console/points")
    assert "核验通过" in await page.locator("#ledger-verify").inner_text()
    await page.click("details.add-reward > summary")
    form = page.locator("#add-reward")
    await form.locator("input[name=name]").fill("社区定制雨伞")
    await form.locator("input[name=cost]").fill("40")
    await form.locator("input[name=stock]").fill("6")
    await form.locator("input[name=limit]").fill("1")
    await form.locator("input[name=place]").fill("繁荣社区服务站")
    await shoot(page, "add-form")
    await form.locator("button[type=submit]").click()
    await page.wait_for_selector(".flash.ok")
    assert "已添加礼品" in await page.locator(".flash.ok").inner_text()
    reward_id = await server.value("SELECT id FROM ledger_reward WHERE name = '社区定制雨伞'")
    row = page.locator(f"#rewards-table tr[data-reward='{reward_id}']")
    assert await row.locator("td.stock").inner_text() == "6"
    await shoot(page, "points")
    # The resident redeems it in chat: 兑换 (the list), 兑换 N, 确认.
    assert "社区定制雨伞" in await _say(server, RESIDENT, "兑换")
    assert "回复「确认」" in await _say(server, RESIDENT, f"兑换 {reward_id}")
    reply = await _say(server, RESIDENT, "确认")
    assert "兑换成功" in reply, reply
    code = re.search(r"核销码：(\d{6})", reply).group(1)
    assert code in await _say(server, RESIDENT, "我的兑换")
    # The grid worker at the counter: a scanner types the digits and Enter.
    await page.context.clear_cookies()
    await login(page, GRID)
    await page.goto("/console/points/counter")
    assert await page.evaluate("document.activeElement.id") == "code"  # autofocus
    await page.keyboard.type(code)
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#counter-found")
    assert await page.locator("#found-reward").inner_text() == "社区定制雨伞"
    assert await page.locator("#found-who").inner_text() == "周**"
    await shoot(page, "counter-found")
    fields = await page.evaluate(
        "() => Object.fromEntries(new FormData(document.querySelector('#hand-form')))")
    await page.click("#hand-out")
    await page.wait_for_selector(".flash.ok")
    done = await page.locator(".flash.ok").inner_text()
    assert "核销成功" in done and "社区定制雨伞" in done
    await shoot(page, "counter-done")
    assert await server.value(
        "SELECT status FROM ledger_redemption WHERE code = $1", code) == "picked_up"
    # The same 核销 form posted again (a double click, a replay): nothing more happens.
    again = await page.evaluate("""async (fields) => {
        const body = new URLSearchParams(fields);
        const r = await fetch('/console/points/counter', {method: 'POST', body});
        return r.url;
    }""", fields)
    assert "msg=" in again and "%E6%A0%B8%E9%94%80%E6%88%90%E5%8A%9F" not in again  # 核销成功
    assert await server.value(
        "SELECT count(*) FROM audit_log WHERE action = 'pickup'") == 1
    # A wrong code gets the chat's answer.
    await page.fill("#code", "000000")
    await page.press("#code", "Enter")
    await page.wait_for_selector("#counter-error")
    assert "核销码 000000 不存在" in await page.locator("#counter-error").inner_text()
    await shoot(page, "counter-wrong")
    # The picked-up redemption in the list.
    await page.goto("/console/points?status=picked_up")
    assert await page.locator("#redemptions-table tr[data-status=picked_up]").count() == 1
    await shoot(page, "redemptions")
    status, out, err = await server.cli("ledger", "verify")
    assert status == 0 and "ledger verify: ok" in out, out + err


async def test_a_double_submitted_restock_adds_once(page, console_server, login, shoot):
    server = console_server
    await login(page, ADMIN)
    await page.goto("/console/points")
    reward_id = await server.value("SELECT id FROM ledger_reward WHERE name = '抽纸 6包'")
    before = await _stock(server, reward_id)
    row = page.locator(f"#rewards-table tr[data-reward='{reward_id}']")
    await row.locator("input[name=quantity]").fill("7")
    # Two quick clicks on 入库.
    await row.locator("form.restock button").dblclick()
    await page.wait_for_selector(".flash")
    await shoot(page, "after-double-click")
    assert await _stock(server, reward_id) == before + 7
    # The same form re-posted twice at once (as a replaying client would).
    await page.goto("/console/points")
    statuses = await page.evaluate("""async (id) => {
        const form = document.querySelector(`tr[data-reward='${id}'] form.restock`);
        form.querySelector('input[name=quantity]').value = '4';
        const send = () => fetch(form.action, {method: 'POST', body: new FormData(form),
                                               redirect: 'manual'});
        const rs = await Promise.all([send(), send(), send()]);
        return rs.map(r => r.type);
    }""", reward_id)
    assert len(statuses) == 3
    assert await _stock(server, reward_id) == before + 11
    assert await server.value(
        "SELECT count(*) FROM ledger_transfer WHERE kind = 'restock' AND key LIKE "
        "'console:restock:%'") == 2
    await page.goto("/console/points")
    assert await page.locator(
        f"#rewards-table tr[data-reward='{reward_id}'] td.stock").inner_text() == str(before + 11)
    await shoot(page, "restocked")
    status, out, err = await server.cli("ledger", "verify")
    assert status == 0, out + err


async def test_staff_for_admins_only(page, console_server, login, shoot):
    await login(page, ADMIN)
    # On the way: a person's points (admins only; the view is audited).
    await page.goto("/console/points")
    await page.fill("#person-lookup input[name=openid]", RESIDENT)
    await page.click("#person-lookup button")
    await page.wait_for_selector("#person-points")
    available = await console_server.value(
        "SELECT balance - reserved FROM ledger_account WHERE code = $1",
        f"points:wallet:{RESIDENT}")
    assert await page.locator("#available").inner_text() == str(available)
    await shoot(page, "person")
    await page.click("nav a:has-text('人员')")
    await page.wait_for_url("**/console/staff")
    assert await page.locator(f"#staff-table tr[data-openid='{GRID}']").count() == 1
    await page.select_option("#invite-form select[name=role]", "grid_worker")
    await page.fill("#invite-form input[name=name]", "孙志愿")
    await page.select_option("#invite-form select[name=grid]", "G02")
    await page.click("#invite-submit")
    await page.wait_for_selector("#invite-code")
    code = await page.locator("#invite-code").inner_text()
    assert re.fullmatch(r"\d{6}", code)
    await shoot(page, "invited")
    await page.context.clear_cookies()
    await login(page, GRID)
    assert await page.locator("nav a:has-text('人员')").count() == 0
    response = await page.goto("/console/staff")
    assert response.status == 404
    assert "孙志愿" not in await page.content()
    await shoot(page, "grid-worker-404")
