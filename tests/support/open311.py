"""Helpers shared by the Open311 tests (no tests here).

The demo street gives the categories and the grids: 43.8860 N, 125.3180 E (GCJ-02, what
cases store) lies in grid G01. Open311 speaks WGS84, so clients send ``WGS_LAT/WGS_LONG``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

from handlers.geo.demo import load_geo_demo
from handlers.open311.coords import to_wgs84
from handlers.open311.keys import create_key
from storage import clock
from storage.core.models import Person, Role
from storage.reports.models import Case, CaseStatus
from tests.support.wishes import app_bot

P = "/open311/v2"
LAT, LNG = 43.8860, 125.3180  # GCJ-02, in G01
WGS_LAT, WGS_LONG = to_wgs84(LAT, LNG)


async def open311_bot(make_bot, tmp_path):
    """The whole app on the demo street, a grid worker for G01 and an admin."""
    await load_geo_demo()
    await Person.create(openid="o-grid", role=Role.GRID_WORKER, name="王梦苏", grid="G01",
                        phone="13900000001")
    await Person.create(openid="o-admin", role=Role.ADMIN, name="张丽")
    return await app_bot(make_bot, tmp_path)


async def api_key(name: str = "city-app") -> str:
    return (await create_key(name))[1]


def form(key: str | None, **fields: object) -> dict[str, str]:
    """A POST body: a garbage report at the G01 point unless told otherwise."""
    body = {"service_code": "garbage", "lat": str(WGS_LAT), "long": str(WGS_LONG),
            "description": "小区门口垃圾堆了三天"}
    if key is not None:
        body["api_key"] = key
    body.update({k: str(v) for k, v in fields.items() if v is not None})
    return {k: v for k, v in body.items() if v != "<omit>"}


async def post(bot, body: dict[str, str], fmt: str = "xml"):
    return await bot.client.post(f"{P}/requests.{fmt}", data=body)


async def get(bot, path: str, **params: str):
    return await bot.client.get(f"{P}/{path}", params=params)


def xml_of(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>'), text[:60]
    return ET.fromstring(text.encode())


def children(element: ET.Element) -> dict[str, str]:
    return {child.tag: (child.text or "") for child in element}


async def xml_error(resp, status: int) -> str:
    """The spec's error document with ``status``; its description."""
    assert resp.status == status, await resp.text()
    assert resp.content_type == "text/xml"
    root = xml_of(await resp.text())
    assert root.tag == "errors" and [e.tag for e in root] == ["error"]
    [error] = root
    assert [c.tag for c in error] == ["code", "description"]
    assert error.findtext("code") == str(status)
    return error.findtext("description") or ""


async def json_error(resp, status: int) -> str:
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert isinstance(body, list) and len(body) == 1
    assert list(body[0]) == ["code", "description"] and body[0]["code"] == status
    return body[0]["description"]


async def crafted(number: str, *, status: CaseStatus = CaseStatus.DISPATCHED,
                  category: str = "garbage", created: datetime | None = None,
                  **fields: object) -> Case:
    """A case written straight to the table (the listing tests need many, cheaply)."""
    case = await Case.create(number=number, reporter_openid="o-res", category_code=category,
                             status=status, lat=LAT, lng=LNG, grid_code="G01",
                             address="长春市朝阳区 明珠小区东门", **fields)
    if created is not None:
        await Case.filter(id=case.id).update(created_at=created, updated_at=created)
        case.created_at = case.updated_at = created
    return case


def ago(**delta: float) -> datetime:
    return clock.now() - timedelta(**delta)
