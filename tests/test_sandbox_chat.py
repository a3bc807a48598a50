"""The web chat simulator ``/sandbox/chat`` over HTTP (bot/sandbox/chat).

Served only beside the built-in sandbox: the app is built as ``linli serve`` builds it in
sandbox mode (its own URL as the WeChat API base, the sandbox mounted at /sandbox/wechat), so
what the page sends is signed and posted to the service's own /wechat over real HTTP, photos go
through the sandbox's media upload, and pushes are read from the sandbox's record.
"""

from __future__ import annotations

import re
import socket
from datetime import timedelta

import aiohttp
import pytest

from bot import keys
from bot.app import create_app
from bot.config import SANDBOX, SANDBOX_TEMPLATE
from bot.sandbox import chat
from bot.sandbox.api_messages import CUSTOM_SEND, SUBSCRIBE_SEND, TEMPLATE_SEND
from handlers import outbox, photos
from handlers.geo.demo import load_geo_demo
from handlers.push.channels import CHATTING
from handlers.routes import build_router
from storage import clock
from storage.core.models import Person, Role
from storage.reports.models import Case
from tests.support.reports import LAT, LNG
from tests.support.wishes import jpeg

HEADERS = {chat.HEADER: "1"}
RESIDENT, GRID = "demo-resident", "demo-grid-g01"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def make_web(db, make_settings, aiohttp_server, aiohttp_client, tmp_path):
    """The service in sandbox mode on a real port, with the demo street and two demo people."""
    await load_geo_demo()
    await Person.create(openid=GRID, role=Role.GRID_WORKER, name="王梦苏", grid="G01")
    await Person.create(openid=RESIDENT, role=Role.RESIDENT, name="周大妈")

    async def make(**changes):
        settings = make_settings(wechat_api_base=SANDBOX, template_progress=SANDBOX_TEMPLATE,
                                 media_dir=tmp_path / "media", **changes)
        assert settings.sandbox
        port = _free_port()
        app = create_app(settings, api_base=f"http://127.0.0.1:{port}/sandbox/wechat")
        server = await aiohttp_server(app, port=port)
        return await aiohttp_client(server)

    return make


@pytest.fixture
async def web(make_web):
    return await make_web()


async def say(client, openid: str, kind: str = "text", **fields) -> str | None:
    async with client.post("/sandbox/chat/send", json={"openid": openid, "kind": kind, **fields},
                           headers=HEADERS) as r:
        assert r.status == 200, await r.text()
        return (await r.json())["reply"]


async def send_photo(client, openid: str, content: bytes, name: str = "photo.jpg"):
    form = aiohttp.FormData()
    form.add_field("openid", openid)
    form.add_field("photo", content, filename=name, content_type="image/jpeg")
    async with client.post("/sandbox/chat/photo", data=form, headers=HEADERS) as r:
        return r.status, await r.json()


async def feed(client, openid: str, since: int | None = None) -> dict:
    params = {"openid": openid} if since is None else {"openid": openid, "since": since}
    async with client.get("/sandbox/chat/messages", params=params) as r:
        assert r.status == 200
        return await r.json()


async def test_not_served_without_the_sandbox(bot):
    assert not bot.settings.sandbox
    for path in ("/sandbox/chat", "/sandbox/chat/setup", "/sandbox/chat/map",
                 "/sandbox/chat/static/chat.js", f"/sandbox/chat/messages?openid={RESIDENT}"):
        async with bot.client.get(path) as r:
            assert r.status == 404, path
    async with bot.client.post("/sandbox/chat/send", headers=HEADERS,
                               json={"openid": RESIDENT, "kind": "text", "text": "帮助"}) as r:
        assert r.status == 404


async def test_the_page_its_files_the_people_the_menu_and_the_map(web):
    async with web.get("/sandbox/chat") as r:
        assert r.status == 200
        html = await r.text()
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert "微信模拟器" in html and 'data-openid="demo-resident"' in html
    assert 'data-openid="demo-grid-g01"' in html
    assert "<script>" not in html  # no inline scripts
    for src in re.findall(r'(?:src|href)="(/[^"]+)"', html):
        async with web.get(src) as r:
            assert r.status == 200, src
    async with web.get("/sandbox/chat/setup") as r:
        setup = await r.json()
    people = {p["openid"]: p for p in setup["people"]}
    assert set(people) == {"demo-resident", "demo-grid-g01", "demo-property", "demo-admin",
                           "demo-volunteer"}
    assert people[GRID]["name"] == "王梦苏" and people["demo-admin"]["name"] == ""
    assert any(b["code"] == "B12-3" for b in setup["buildings"])
    # Every menu button is a key the bot handles, and every key the bot handles is a button.
    menu = {item["key"] for group in setup["menu"] for item in group["items"]}
    assert len(setup["menu"]) <= 3 and all(len(g["items"]) <= 5 for g in setup["menu"])
    assert menu == set(build_router()._clicks) | {"HELP"}
    async with web.get("/sandbox/chat/map") as r:
        grids = (await r.json())["grids"]
    assert grids["type"] == "FeatureCollection"
    assert {"G01", "G02"} <= {f["properties"]["code"] for f in grids["features"]}


async def test_text_click_follow_and_location_get_the_passive_reply(web):
    assert "功能菜单" in await say(web, RESIDENT, text="帮助")
    assert "功能菜单" in await say(web, RESIDENT, "click", key="HELP")
    assert "请发送问题的照片" in await say(web, RESIDENT, "click", key="REPORT")
    assert "欢迎" in await say(web, "sim-web", "follow", scene="B12-3")
    assert await Person.filter(openid="sim-web", building="B12-3").exists()
    assert "已记下位置" in await say(web, "sim-web2", "location", lat=LAT, lng=LNG,
                                     label="繁荣社区 明珠网格")
    # Typed as text, lat,lng is a location, as in `linli chat`.
    assert "已记下位置" in await say(web, "sim-web3", text=f"{LAT},{LNG}")


async def test_a_refused_request_says_why(web):
    async with web.post("/sandbox/chat/send", json={"openid": RESIDENT, "kind": "text",
                                                     "text": "帮助"}) as r:
        assert r.status == 403  # no header: not our page
    for body in ({"openid": RESIDENT, "kind": "shout", "text": "x"},
                 {"openid": "", "kind": "text", "text": "x"},
                 {"openid": RESIDENT, "kind": "location", "lat": "north", "lng": 1},
                 {"openid": RESIDENT, "kind": "click", "key": "<x>"}):
        async with web.post("/sandbox/chat/send", json=body, headers=HEADERS) as r:
            assert r.status == 400, body
    status, doc = await send_photo(web, RESIDENT, b"not an image at all", "notes.txt")
    assert status == 400 and "40005" in doc["error"]


async def test_only_loopback_callers_unless_the_sandbox_is_public(web, monkeypatch):
    monkeypatch.setattr(chat, "is_loopback", lambda host: False)
    async with web.get("/sandbox/chat/setup") as r:
        assert r.status == 404
    settings = web.app[keys.SETTINGS]
    web.app._state[keys.SETTINGS] = settings.with_(sandbox_public=True)
    async with web.get("/sandbox/chat/setup") as r:
        assert r.status == 200


async def test_a_report_filed_in_the_simulator_reaches_the_grid_worker(web):
    """随手拍 from the resident's phone (a photo through the sandbox's upload, a place in G01);
    the dispatch reaches the grid worker's feed, read from a cursor taken before."""
    assert "功能菜单" in await say(web, GRID, text="帮助")  # the worker's 48 h window is open
    start = (await feed(web, GRID))["last"]
    assert (await feed(web, GRID))["messages"] == []  # without a cursor: only the cursor
    assert "请发送问题的照片" in await say(web, RESIDENT, "click", key="REPORT")
    status, doc = await send_photo(web, RESIDENT, jpeg("red"))
    assert status == 200 and "已收到照片" in doc["reply"]
    assert web.app[keys.SANDBOX].calls["/cgi-bin/media/upload"] == 1
    assert "描述" in await say(web, RESIDENT, "location", lat=LAT, lng=LNG, label="明珠小区东门")
    assert "分类" in await say(web, RESIDENT, text="路灯不亮了晚上很黑")
    assert "路灯不亮了" in await say(web, RESIDENT, text="1")
    done = await say(web, RESIDENT, text="确认")
    number = re.search(r"A\d{4,}", done).group(0)
    case = await Case.get(number=number)
    assert (case.reporter_openid, case.grid_code, case.assignee_openid) == (RESIDENT, "G01", GRID)
    services = web.app[keys.SERVICES]
    # The worker wrote a moment ago: the dispatch would wait for their next reply; once
    # they stopped chatting, it goes out as a customer-service message.
    clock.advance(CHATTING + timedelta(seconds=1))
    assert (await outbox.deliver_due(services.messenger, kv=services.kv)).sent >= 1
    got = await feed(web, GRID, start)
    texts = [m["text"] for m in got["messages"] if m["kind"] == "text"]
    assert any(number in text for text in texts), got
    assert got["last"] > start
    # Read again from the new cursor: nothing twice; the resident's feed holds none of it.
    assert (await feed(web, GRID, got["last"]))["messages"] == []
    # The photo follows as an image once stored (the photo sweep; the outbox looks again a
    # little later), shown as an image.
    await photos.fetch_due(services.photos)
    clock.advance(timedelta(seconds=30))
    await outbox.deliver_due(services.messenger, kv=services.kv)
    images = [m for m in (await feed(web, GRID, got["last"]))["messages"]
              if m["kind"] == "image"]
    assert len(images) == 1, images
    async with web.get(images[0]["image"]) as r:
        assert r.status == 200 and r.content_type == "image/jpeg"
        assert (await r.read()).startswith(b"\xff\xd8")
    assert not any(m["kind"] == "text" and m["text"] in texts
                   for m in (await feed(web, RESIDENT, start))["messages"])


async def test_a_worker_who_never_wrote_gets_the_dispatch_as_a_template_card(web):
    start = (await feed(web, GRID))["last"]
    await say(web, RESIDENT, text=f"{LAT},{LNG}")
    status, doc = await send_photo(web, RESIDENT, jpeg("green"))
    assert status == 200, doc
    await say(web, RESIDENT, text="路灯不亮了晚上很黑")
    await say(web, RESIDENT, text="1")
    number = re.search(r"A\d{4,}", await say(web, RESIDENT, text="确认")).group(0)
    services = web.app[keys.SERVICES]
    await outbox.deliver_due(services.messenger, kv=services.kv)
    cards = [m for m in (await feed(web, GRID, start))["messages"] if m["kind"] == "template"]
    assert cards and cards[0]["title"], cards
    # The 2023 template: no first/remark, one line per field (事项 names the case).
    assert not cards[0]["first"] and not cards[0]["remark"]
    fields = dict(cards[0]["fields"])
    assert number in fields["事项"] and list(fields)[1] == "状态", fields


async def test_pushes_appear_as_they_would_images_and_cards(web):
    state = web.app[keys.SANDBOX]
    media_id = state.add_media(jpeg("blue"), "image/jpeg")
    start = (await feed(web, RESIDENT))["last"]
    state.record(CUSTOM_SEND, RESIDENT, {"touser": RESIDENT, "msgtype": "image",
                                         "image": {"media_id": media_id}})
    state.record(TEMPLATE_SEND, RESIDENT, {
        "touser": RESIDENT, "template_id": SANDBOX_TEMPLATE, "url": "https://example.org/c",
        "data": {"first": {"value": "A0001 路灯"}, "keyword1": {"value": "已受理"},
                 "keyword2": {"value": "2026-12-07 10:00"}, "remark": {"value": "网格员已接单"}}})
    state.record(SUBSCRIBE_SEND, RESIDENT, {
        "touser": RESIDENT, "template_id": "t", "page": "pages/case",
        "data": {"thing1": {"value": "A0001 路灯"}, "phrase2": {"value": "已办结"}}})
    state.record(CUSTOM_SEND, GRID, {"touser": GRID, "msgtype": "text",
                                     "text": {"content": "not for the resident"}})
    image, template, subscribe = (await feed(web, RESIDENT, start))["messages"]
    assert image["kind"] == "image"
    async with web.get(image["image"]) as r:
        assert r.status == 200 and await r.read() == state.media[media_id].content
    assert template["kind"] == "template" and template["first"] == "A0001 路灯"
    assert template["fields"] == [["办理状态", "已受理"], ["更新时间", "2026-12-07 10:00"]]
    assert template["remark"] == "网格员已接单" and template["url"] == "https://example.org/c"
    assert subscribe["kind"] == "subscribe"
    assert subscribe["fields"] == [["事项", "A0001 路灯"], ["状态", "已办结"]]
    async with web.get("/sandbox/chat/media/unknown") as r:
        assert r.status == 404


@pytest.mark.parametrize(("env", "shown"), [
    ({"LINLI_WECHAT_API_BASE": "", "LINLI_WECHAT_SECRET": ""}, True),
    ({"LINLI_WECHAT_API_BASE": "https://api.weixin.qq.com", "LINLI_WECHAT_SECRET": "s3cret",
      "LINLI_WECHAT_TOKEN": "tok123", "LINLI_WECHAT_APPID": "wx0123456789abcdef"},
     False),
])
def test_the_serve_banner_gives_the_simulators_address_in_sandbox_mode(env, shown, monkeypatch,
                                                                       capsys):
    from argparse import Namespace

    from bot.cli import serve

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LINLI_REDIS_URL", "")
    started = []
    monkeypatch.setattr(serve, "_serve_one", lambda *a, **k: started.append(a))
    args = Namespace(host="127.0.0.1", port=8931, workers=1, no_scheduler=False)
    assert serve.run_serve(args) == 0 and started
    out = capsys.readouterr().out
    assert ("http://127.0.0.1:8931/sandbox/chat" in out) is shown
    assert "linli chat --url http://127.0.0.1:8931" in out


async def test_secure_mode_encrypts_the_callbacks_and_reads_the_encrypted_reply(make_web):
    web = await make_web(wechat_aes_key=AES_KEY)
    assert "功能菜单" in await say(web, RESIDENT, text="帮助")
    assert "请发送问题的照片" in await say(web, RESIDENT, "click", key="REPORT")
