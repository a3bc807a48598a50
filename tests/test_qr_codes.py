"""Building QR codes: made through qrcode/create, fetched from showqrcode, decoded here like a
phone would, and followed through: the follow event binds the person to that building.

The images are decoded with zxing-cpp; the PDF's images are taken out with pypdf.
"""

from __future__ import annotations

import io
from pathlib import Path

import aiohttp
import fakeredis
import pypdf
import pytest
import zxingcpp
from PIL import Image

from bot.cli.qr import NotFound, building_code, compound_codes
from bot.config import SANDBOX_APPID, SANDBOX_SECRET
from bot.qrsheet import Code, render
from bot.wechat.client import PRODUCTION_QRCODE_BASE, WeChatClient, showqrcode_base
from bot.wechat.errors import WeChatError, WeChatUnavailable
from bot.wechat.retry import RetryPolicy
from handlers.geo.demo import load_geo_demo
from storage.core.models import Person
from storage.kv import KV
from tests.support.cli import run_cli

MINGZHU = ["B12-1", "B12-2", "B12-3", "B12-4", "B12-5", "B12-6"]


def decode(image: Image.Image | bytes) -> str:
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    [found] = zxingcpp.read_barcodes(image)
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    return found.text


@pytest.fixture
async def client(sandbox):
    kv = KV(fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer()), "linli-t-qr:")
    async with aiohttp.ClientSession() as http:
        yield WeChatClient(http, kv, SANDBOX_APPID, SANDBOX_SECRET, sandbox.url,
                           retry=RetryPolicy(attempts=1))
    await kv.close()


def test_qr_images_come_from_mp_weixin_for_the_real_api():
    assert showqrcode_base("https://api.weixin.qq.com") == PRODUCTION_QRCODE_BASE
    assert showqrcode_base("https://sh.api.weixin.qq.com") == PRODUCTION_QRCODE_BASE
    assert showqrcode_base("http://127.0.0.1:8080/sandbox/wechat") == \
        "http://127.0.0.1:8080/sandbox/wechat"


async def test_a_permanent_code_per_scene_scannable(client, sandbox):
    first = await client.qrcode_create("B12-3")
    assert first.expire_seconds is None  # permanent
    again = await client.qrcode_create("B12-3")
    assert (again.ticket, again.url) == (first.ticket, first.url)  # one code per scene
    image, kind = await client.qrcode_image(first.ticket)
    assert kind == "image/jpg"  # as WeChat sends it
    assert decode(image) == first.url
    assert sandbox.state.scan(first.url) == "B12-3"
    other = await client.qrcode_create("B12-4")
    assert other.url != first.url and sandbox.state.scan(other.url) == "B12-4"


@pytest.mark.parametrize("scene", ["", "x" * 65])
async def test_scene_strings_of_1_to_64_characters(client, scene):
    with pytest.raises(WeChatError) as caught:
        await client.qrcode_create(scene)
    assert caught.value.code == 40053


async def test_an_unknown_ticket_has_no_image(client):
    with pytest.raises(WeChatUnavailable, match="HTTP 404"):
        await client.qrcode_image("gQ+not/a=ticket")


async def test_building_code_binds_whoever_follows_through_it(db, bot, sandbox, client):
    await load_geo_demo()
    made = await building_code(client, " b12-3 ")
    assert made.scene == "B12-3" and made.png.startswith(b"\x89PNG")
    scene = sandbox.state.scan(decode(made.png))  # a phone scans the printed code
    assert scene == "B12-3"
    reply = await bot.event("o-neighbour", "subscribe", f"qrscene_{scene}")
    assert "B12-3" in reply
    assert (await Person.get(openid="o-neighbour")).building == "B12-3"
    # Someone already following scans it: the SCAN event carries the bare scene.
    await bot.event("o-follower", "subscribe")
    await bot.event("o-follower", "SCAN", scene)
    assert (await Person.get(openid="o-follower")).building == "B12-3"


async def test_unknown_building_or_compound(db, client):
    await load_geo_demo()
    with pytest.raises(NotFound, match=r"no building 'B99'; known: B12-1, B12-2"):
        await building_code(client, "B99")
    with pytest.raises(NotFound, match="no compound '锦绣小区'; known: 和顺小区, 明珠小区"):
        await compound_codes(client, "锦绣小区")


async def test_the_sheet_has_one_labelled_code_per_building(db, sandbox, client):
    await load_geo_demo()
    compound, codes = await compound_codes(client, "明珠小区")
    assert [c.scene for c in codes] == MINGZHU
    out = io.BytesIO()
    pages = render([Code(compound.name, c.building.name, c.scene, c.png) for c in codes], out)
    reader = pypdf.PdfReader(out)
    assert pages == len(reader.pages) == 1
    page = reader.pages[0]
    assert [round(float(x)) for x in page.mediabox[2:]] == [595, 842]  # A4
    urls = [decode(image.image) for image in page.images]
    assert sorted(sandbox.state.scan(url) for url in urls) == MINGZHU
    text = page.extract_text()
    for code in codes:
        assert code.building.name in text and code.scene in text
    assert text.count("微信扫码关注，随手拍身边问题") == 6

    _, heshun = await compound_codes(client, "HESHUN")  # by code too
    pdf = io.BytesIO()
    assert render([Code("和顺小区", c.building.name, c.scene, c.png) for c in codes + heshun],
                  pdf) == 2  # six a page


async def test_qr_building_as_the_operator_runs_it(db, sandbox, tmp_path: Path):
    """The one run of the real command (about 2 s a backend)."""
    await load_geo_demo()
    env = {"LINLI_DATABASE_URL": db.database_url, "LINLI_WECHAT_API_BASE": sandbox.url,
           "LINLI_WECHAT_SECRET": SANDBOX_SECRET, "LINLI_WECHAT_APPID": SANDBOX_APPID,
           "LINLI_WECHAT_TOKEN": "linlisandboxtoken"}
    out = tmp_path / "b.png"
    done = await run_cli("qr", "building", "B15-2", "--out", str(out), env=env)
    assert done.code == 0, done.err
    assert "qrscene_B15-2" in done.out and str(out) in done.out
    assert sandbox.state.scan(decode(out.read_bytes())) == "B15-2"
