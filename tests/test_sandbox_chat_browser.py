"""The web chat simulator ``/sandbox/chat`` in a real browser (Debian's Chromium, Playwright)
against ``linli serve`` on the built-in WeChat sandbox, PostgreSQL + Redis and the demo data
(tests/support/browser.py).

The demo that sells the project: two phones side by side. The resident's phone files a whole
随手拍 through the menu, a photo from the file picker and a click on the district map; the
grid worker's phone (demo-grid-g01) receives the dispatch as the outbox sweep of the serve
process delivers it. Screenshots: tests/artifacts/console/<test>-<step>.png.
"""

from __future__ import annotations

import io
import re

from PIL import Image, ImageDraw
from playwright.async_api import expect

from tests.support.browser import BROWSER_MARKS, ConsoleServer

pytestmark = BROWSER_MARKS

RESIDENT, GRID = "#phone-a", "#phone-b"

# Where on the page grid ``code`` of a phone's place-picking map is drawn: a quarter of the way
# from the grid's centre to its first corner (inside it, clear of its label).
GRID_POINT_JS = """async ([selector, code]) => {
  const el = document.querySelector(selector);
  const chart = echarts.getInstanceByDom(el);
  const d = await (await fetch(el.dataset.src)).json();
  const f = d.grids.features.find(g => g.properties.code === code);
  const poly = f.geometry.type === "Polygon" ? f.geometry.coordinates : f.geometry.coordinates[0];
  const ring = poly[0].slice(0, -1);
  const c = [0, 1].map(i => ring.reduce((a, p) => a + p[i], 0) / ring.length);
  const at = [0, 1].map(i => c[i] + (ring[0][i] - c[i]) / 4);
  const px = chart.convertToPixel("geo", at);
  const box = el.getBoundingClientRect();
  return {x: box.left + px[0], y: box.top + px[1], lng: at[0], lat: at[1]};
}"""


def photo_jpeg() -> bytes:
    """A 640x480 JPEG that looks like something (a lamp post at night)."""
    img = Image.new("RGB", (640, 480), (20, 24, 48))
    draw = ImageDraw.Draw(img)
    draw.rectangle((300, 120, 330, 470), fill=(90, 90, 100))
    draw.ellipse((270, 80, 360, 150), fill=(60, 60, 60))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


async def last_reply(page, pane: str, contains: str) -> str:
    """The text of the pane's newest passive reply, once one containing ``contains`` shows."""
    reply = page.locator(f"{pane} .msg.in[data-kind=reply]").filter(has_text=contains).last
    await expect(reply).to_be_visible(timeout=20_000)
    return await reply.inner_text()


async def say(page, pane: str, text: str, expected: str) -> str:
    await page.fill(f"{pane} .text", text)
    await page.press(f"{pane} .text", "Enter")
    return await last_reply(page, pane, expected)


async def test_a_resident_reports_and_the_grid_worker_receives_the_dispatch(
        page, console_server: ConsoleServer, shoot):
    server = console_server
    await page.goto("/sandbox/chat")
    for pane, openid in ((RESIDENT, "demo-resident"), (GRID, "demo-grid-g01")):
        await expect(page.locator(f"{pane}[data-ready='1']")).to_have_attribute(
            "data-openid", openid)
        await expect(page.locator(f"{pane} .person")).to_have_value(openid)
        await expect(page.locator(f"{pane} .me")).to_contain_text(openid)
    await expect(page.locator(f"{GRID} .me")).to_contain_text("王梦苏")
    await shoot(page, "start")

    # The menu: 随手拍 › 随手拍 (the REPORT key) asks for a photo.
    await page.click(f"{RESIDENT} .menu .item:first-child > button")
    await page.click(f"{RESIDENT} .menu .sub button[data-key=REPORT]")
    await last_reply(page, RESIDENT, "照片")

    # A photo from the file picker: uploaded to the sandbox, then sent as WeChat would.
    await page.click(f"{RESIDENT} .plus")
    await page.set_input_files(f"{RESIDENT} .photo-input", files=[{
        "name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}])
    await expect(page.locator(f"{RESIDENT} .msg.out[data-kind=photo] img")).to_be_visible()
    await last_reply(page, RESIDENT, "已收到照片")

    # A place: a click inside grid G01 on the map drawn from the database's grids.
    await page.click(f"{RESIDENT} .plus")
    await page.click(f"{RESIDENT} .pick-place")
    await expect(page.locator(f"{RESIDENT} .map[data-ready='1']")).to_be_attached()
    point = await page.evaluate(GRID_POINT_JS, [f"{RESIDENT} .map", "G01"])
    await page.mouse.click(point["x"], point["y"])
    await expect(page.locator(f"{RESIDENT} .pp-info")).to_contain_text("繁荣社区第一网格")
    await expect(page.locator(f"{RESIDENT} .pp-send")).to_be_enabled()
    await shoot(page, "map")
    await page.click(f"{RESIDENT} .pp-send")
    await expect(page.locator(f"{RESIDENT} .placepicker")).to_be_hidden()
    await last_reply(page, RESIDENT, "描述")

    await say(page, RESIDENT, "路灯不亮了，晚上很黑", "分类")
    await say(page, RESIDENT, "1", "确认")
    done = await say(page, RESIDENT, "确认", "上报成功")
    number = re.search(r"A\d{4,}", done).group(0)
    await shoot(page, "reported")

    row = (await server.fetch(
        "SELECT reporter_openid, grid_code, lat, lng FROM report_case WHERE number = $1",
        number))[0]
    assert (row["reporter_openid"], row["grid_code"]) == ("demo-resident", "G01")
    # Where the click was, to the pixel (about 2 m at this zoom).
    assert abs(row["lat"] - point["lat"]) < 1e-4 and abs(row["lng"] - point["lng"]) < 1e-4
    assert await server.value("SELECT count(*) FROM photo WHERE owner_kind = 'report' "
                              "AND owner_id = $1", number) == 1
    # At night a dispatch that can wait is held until morning, and the sweep holds it again
    # if it comes due inside the quiet hours (tested elsewhere): make it urgent and due now so
    # that the serve process's outbox sweep delivers it at any hour.
    await server.execute("UPDATE outbox_message SET next_attempt_at = now(), urgent = true "
                         "WHERE openid = "
                         "'demo-grid-g01' AND status = 'pending' AND key LIKE $1",
                         f"%:{number}:%")

    # The grid worker's phone receives the dispatch (demo-grid-g01 has not written in 48
    # hours: a template message, a card naming the case), as the sandbox delivered it.
    pushed = page.locator(f"{GRID} .msg.in").filter(has_text=number).first
    await expect(pushed).to_be_visible(timeout=30_000)
    sent = await server.sent("demo-grid-g01")
    assert any(number in str(m["payload"]) for m in sent)
    await expect(page.locator(f"{GRID} .msg.in .tag").first).to_be_visible()
    assert await page.locator(f"{GRID} .msg.out").count() == 0
    await shoot(page, "dispatched")

    # The worker accepts from their phone; having written, they get the case's photo (held
    # until now: WeChat sends images only inside the 48 h window), shown as an image.
    await say(page, GRID, f"接单 {number}", number)
    assert await server.value("SELECT status FROM report_case WHERE number = $1",
                              number) == "accepted"
    photo = page.locator(f"{GRID} .msg.in[data-kind=push-image] img").last
    await expect(photo).to_be_visible(timeout=30_000)
    assert await photo.evaluate("img => img.complete && img.naturalWidth") == 640
    await shoot(page, "accepted")


async def test_switching_people_keeps_each_conversation(page, console_server: ConsoleServer,
                                                        shoot):
    await page.goto("/sandbox/chat")
    await expect(page.locator(f"{RESIDENT}[data-ready='1']")).to_be_attached()
    await say(page, RESIDENT, "帮助", "功能菜单")
    # A typed openid, a building's QR code (B12-3): welcomed, and the person is of that building.
    await page.fill(f"{RESIDENT} .openid", "sim-browser-1")
    await page.click(f"{RESIDENT} .use")
    await expect(page.locator(f"{RESIDENT}[data-ready='1']")).to_have_attribute(
        "data-openid", "sim-browser-1")
    assert await page.locator(f"{RESIDENT} .msg").count() == 0
    await page.click(f"{RESIDENT} .plus")
    await page.click(f"{RESIDENT} .pick-qr")
    await page.select_option(f"{RESIDENT} .building", "B12-3")
    await page.click(f"{RESIDENT} .follow")
    await last_reply(page, RESIDENT, "欢迎")
    assert await console_server.value(
        "SELECT building FROM person WHERE openid = 'sim-browser-1'") == "B12-3"
    # Typed as text, lat,lng is sent as a location.
    await say(page, RESIDENT, "43.8860,125.3180", "位置")
    await expect(page.locator(f"{RESIDENT} .msg.out[data-kind=location]")).to_have_count(1)
    await shoot(page, "typed-openid")
    # Back to the resident: their conversation is still there.
    await page.select_option(f"{RESIDENT} .person", "demo-resident")
    await expect(page.locator(f"{RESIDENT} .msg.in[data-kind=reply]")).to_have_count(1)
    await expect(page.locator(f"{RESIDENT} .msg.in[data-kind=reply]")).to_contain_text("功能菜单")
