"""GET requests through the real app: filters, the 90-day window, the 1,000 cap, hidden
cases, what a request says (and never says), single requests and the 404s."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import clock
from storage.core.models import Open311Key, Open311Request, Person
from storage.reports.models import Case, CaseEvent, CaseStatus
from tests.support.open311 import (
    LAT,
    LNG,
    WGS_LAT,
    WGS_LONG,
    ago,
    api_key,
    crafted,
    form,
    get,
    json_error,
    open311_bot,
    post,
    xml_error,
    xml_of,
)


@pytest.fixture
async def obot(make_bot, tmp_path):
    return await open311_bot(make_bot, tmp_path)


async def ids(bot, fmt: str = "json", **params: str) -> list[str]:
    resp = await get(bot, f"requests.{fmt}", **params)
    assert resp.status == 200, await resp.text()
    if fmt == "xml":
        return [r.findtext("service_request_id") for r in xml_of(await resp.text())]
    return [r["service_request_id"] for r in await resp.json()]


async def test_default_window_newest_first_and_hidden_never_shown(obot):
    await crafted("A1", created=ago(days=1))
    await crafted("A2", created=ago(hours=1))
    await crafted("A3", created=ago(days=89))
    await crafted("A4", created=ago(days=91))  # outside the default 90 days
    await crafted("A5", created=ago(hours=2), status=CaseStatus.HIDDEN)
    assert await ids(obot) == ["A2", "A1", "A3"]
    assert await ids(obot, "xml") == ["A2", "A1", "A3"]
    # Not by id either, nor in a list of ids, nor by its token.
    assert await ids(obot, service_request_id="A5,A2") == ["A2"]
    assert "A5" in await xml_error(await get(obot, "requests/A5.xml"), 404)
    await api_key("k")
    key = await Open311Key.get(name="k")
    await Open311Request.create(case_number="A5", token="tok-hidden", key=key)
    await xml_error(await get(obot, "tokens/tok-hidden.xml"), 404)


async def test_date_filters(obot):
    now = clock.now()
    await crafted("A1", created=now - timedelta(days=100))
    await crafted("A2", created=now - timedelta(days=50))
    await crafted("A3", created=now - timedelta(days=10))
    z = lambda dt: dt.astimezone(clock.SHANGHAI).isoformat(timespec="seconds")  # noqa: E731
    start, end = now - timedelta(days=120), now - timedelta(days=40)
    assert await ids(obot, start_date=z(start), end_date=z(end)) == ["A2", "A1"]
    # start only: 90 days from it; end only: the 90 days before it.
    assert await ids(obot, start_date=z(now - timedelta(days=110))) == ["A2", "A1"]
    assert await ids(obot, end_date=z(now - timedelta(days=5))) == ["A3", "A2"]
    # Z, an unencoded "+" (a space by the time it arrives) and a bare local date work too.
    utc = (now - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert await ids(obot, start_date=utc) == ["A3", "A2"]
    resp = await obot.client.get(f"/open311/v2/requests.json?start_date="
                                 f"{z(now - timedelta(days=60))}")  # "+08:00" unencoded
    assert [r["service_request_id"] for r in await resp.json()] == ["A3", "A2"]
    day = clock.local(now - timedelta(days=60)).date().isoformat()
    assert await ids(obot, start_date=day) == ["A3", "A2"]


@pytest.mark.parametrize("params, says", [
    ({"start_date": "yesterday"}, "start_date"),
    ({"end_date": "2026-13-01T00:00:00Z"}, "end_date"),
    ({"start_date": "2026-01-01T00:00:00"}, "时区"),  # no zone
    ({"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "晚于"),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:01Z"}, "90 天"),
    ({"status": "open,pending"}, "pending"),
    ({"service_code": "garbage,nosuch"}, "nosuch"),
])
async def test_bad_filters_are_400(obot, params, says):
    assert says in await xml_error(await get(obot, "requests.xml", **params), 400)
    assert says in await json_error(await get(obot, "requests.json", **params), 400)


async def test_service_code_status_and_ids(obot):
    await crafted("A1", created=ago(hours=5), category="garbage")
    await crafted("A2", created=ago(hours=4), category="sewer", status=CaseStatus.RESOLVED)
    await crafted("A3", created=ago(hours=3), category="garbage", status=CaseStatus.CLOSED)
    await crafted("A4", created=ago(hours=2), category="road_damage",
                  status=CaseStatus.REJECTED, referral="属燃气公司（职能部门：燃气公司）")
    await crafted("A5", created=ago(hours=1), category="garbage", status=CaseStatus.MERGED,
                  merged_into="A1")
    await crafted("A6", created=ago(days=200), category="garbage")  # outside any window
    assert await ids(obot, service_code="garbage") == ["A5", "A3", "A1"]
    assert await ids(obot, service_code="sewer, road_damage") == ["A4", "A2"]
    assert await ids(obot, status="open") == ["A1"]
    assert await ids(obot, status="closed") == ["A5", "A4", "A3", "A2"]
    assert await ids(obot, status="open,closed") == ["A5", "A4", "A3", "A2", "A1"]
    assert await ids(obot, service_code="garbage", status="closed") == ["A5", "A3"]
    assert await ids(obot, status="", service_code="") == ["A5", "A4", "A3", "A2", "A1"]
    # service_request_id overrides every other argument (and the window); order: newest first.
    assert await ids(obot, service_request_id="a1, A6,A3,bogus", service_code="sewer",
                     status="closed") == ["A3", "A1", "A6"]
    body = {r["service_request_id"]: r for r in await (await get(obot, "requests.json")).json()}
    assert [body[n]["status"] for n in ("A1", "A2", "A3", "A4", "A5")] == [
        "open", "closed", "closed", "closed", "closed"]
    assert body["A4"]["status_notes"] == "未受理：属燃气公司（职能部门：燃气公司）"
    assert body["A5"]["status_notes"] == "与 A1 为同一问题，已合并办理"


async def test_what_a_request_says(obot):
    due = clock.now() + timedelta(hours=24)
    case = await crafted("A1", created=ago(hours=3), description="垃圾堆了三天",
                         building_code="B12-1", resolve_due_at=due, responsible="property",
                         property_org="长春万科物业 · 明珠小区")
    await CaseEvent.create(case=case, at=ago(hours=3), action="dispatch", note="分拨至物业")
    await CaseEvent.create(case=case, at=ago(hours=2), action="resolve", note="已清运",
                           actor_openid="o-grid")
    await CaseEvent.create(case=case, at=ago(hours=1), action="support",
                           actor_openid="o-neighbour")  # not news for the public
    [r] = await (await get(obot, "requests/A1.json")).json()
    assert r["status_notes"] == "处理完成：已清运"
    assert r["agency_responsible"] == "物业（长春万科物业 · 明珠小区）"
    assert r["service_name"] == "垃圾堆放" and r["service_code"] == "garbage"
    assert r["service_notice"] == "垃圾堆放：4 小时内受理，24 小时内办结。"
    assert r["expected_datetime"] == clock.local(due).isoformat(timespec="seconds")
    assert r["requested_datetime"].endswith("+08:00")
    assert (r["address"], r["address_id"], r["zipcode"], r["media_url"]) == (
        "长春市朝阳区 明珠小区东门", "B12-1", None, None)
    assert abs(r["lat"] - WGS_LAT) < 1e-6 and abs(r["long"] - WGS_LONG) < 1e-6  # WGS84
    assert (r["lat"], r["long"]) != (LAT, LNG)
    root = xml_of(await (await get(obot, "requests/a1.xml")).text())
    assert root.findtext("request/service_request_id") == "A1"
    assert root.findtext("request/zipcode") == ""


async def test_nothing_about_the_reporter_is_ever_shown(obot):
    key = await api_key()
    resp = await post(obot, form(key, email="li@example.com", first_name="Lei", last_name="Li",
                                 phone="13812345678", device_id="dev-77", account_id="acc-1"))
    assert resp.status == 200, await resp.text()
    await Person.create(openid="o-res", name="周大妈", phone="13999999999")
    await crafted("A2", created=ago(minutes=1))  # a chat case of o-res
    for path in ("requests.xml", "requests.json", "requests/A1001.xml", "requests/A2.json"):
        text = await (await get(obot, path)).text()
        for secret in ("o-res", "周大妈", "13999999999", "open311:", "city-app", "13812345678",
                       "li@example.com", "Lei", "dev-77", "acc-1", "13900000001"):
            assert secret not in text, (path, secret)


async def test_at_most_1000_newest_first(obot):
    base = clock.now() - timedelta(hours=1)
    # One a second back from an hour ago: the lowest number (and id) is the newest.
    await Case.bulk_create([
        Case(number=f"A{10000 + i}", reporter_openid="o-res", category_code="garbage",
             status=CaseStatus.DISPATCHED, created_at=base - timedelta(seconds=i))
        for i in range(1005)], batch_size=500)
    listed = await ids(obot)
    assert len(listed) == 1000
    assert listed[0] == "A10000" and listed[-1] == "A10999"
    assert len(await ids(obot, "xml")) == 1000


async def test_404s(obot):
    assert "A99" in await xml_error(await get(obot, "requests/A99.xml"), 404)
    assert "A99" in await json_error(await get(obot, "requests/A99.json"), 404)
    await xml_error(await get(obot, "requests/abc.xml"), 404)
    await xml_error(await get(obot, "services/nosuch.xml"), 404)
    await json_error(await get(obot, "services/nosuch.json"), 404)
    await xml_error(await get(obot, "tokens/nosuch.xml"), 404)
    # An unknown format is a 404 (in XML, the format every client reads).
    assert "csv" in await xml_error(await get(obot, "requests.csv"), 404)
    await xml_error(await get(obot, "services/garbage.html"), 404)
    await xml_error(await get(obot, "services"), 404)  # no format at all
    await json_error(await get(obot, "no/such/thing.json"), 404)
