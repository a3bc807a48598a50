"""POST requests through the real app: a case like the chat's, dispatched at once; the
refusals (400, 403, 404, 413, 429); no push and no points for the Open311 client."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers import outbox
from handlers.open311 import submit
from handlers.open311.keys import revoke_key
from handlers.reports import awards, notify, scheduled
from handlers.reports.lifecycle import transition
from handlers.reports.service.support import add_supporter
from rewards import accounts
from storage import clock
from storage.core.models import Open311Key, Open311Request, OutboxMessage
from storage.geo.models import Category
from storage.ledger.models import Account, Award
from storage.reports.models import Case, CaseStatus
from tests.support.open311 import (
    LAT,
    LNG,
    api_key,
    form,
    get,
    json_error,
    open311_bot,
    post,
    xml_error,
    xml_of,
)
from tests.support.reports import resolve
from tests.support.wishes import pushed, services

CLIENT = "open311:city-app"


@pytest.fixture
async def obot(make_bot, tmp_path):
    return await open311_bot(make_bot, tmp_path)


async def created(bot, body: dict[str, str]) -> str:
    resp = await post(bot, body)
    assert resp.status == 200, await resp.text()
    return xml_of(await resp.text()).findtext("request/service_request_id")


async def test_post_creates_a_dispatched_case_staff_see_in_chat(obot):
    key = await api_key()
    number = await created(obot, form(key, jurisdiction_id="nanhu.example",
                                      media_url="https://img.example/1.jpg"))
    case = await Case.get(number=number)
    assert number == "A1001"
    assert (case.status, case.reporter_openid, case.category_code, case.grid_code,
            case.assignee_openid) == (CaseStatus.DISPATCHED, CLIENT, "garbage", "G01", "o-grid")
    assert abs(case.lat - LAT) < 1e-6 and abs(case.lng - LNG) < 1e-6  # WGS84 in, GCJ-02 kept
    assert case.description == "小区门口垃圾堆了三天"
    # The grid worker was told, and finds it in chat like any case.
    assert await OutboxMessage.filter(openid="o-grid").count() == 1
    card = await obot.say("o-grid", f"案件 {number}")
    assert number in card and "垃圾堆放" in card and "垃圾堆了三天" in card
    assert number in await obot.say("o-grid", "我的待办")
    assert number in await obot.say("o-grid", f"接单 {number}")
    assert (await Case.get(number=number)).status is CaseStatus.ACCEPTED
    row = await Open311Request.get(case_number=number)
    assert row.media_url == "https://img.example/1.jpg"
    [r] = await (await get(obot, f"requests/{number}.json")).json()
    assert (r["status"], r["media_url"]) == ("open", "https://img.example/1.jpg")
    assert r["status_notes"].startswith("接单")
    assert (await Open311Key.get(name="city-app")).last_used_at is not None


async def test_address_string_or_address_id_is_enough(obot):
    key = await api_key()
    number = await created(obot, form(key, lat="<omit>", long="<omit>",
                                      address_string="南湖街道 某路 12 号"))
    case = await Case.get(number=number)
    assert (case.lat, case.grid_code, case.address) == (None, None, "南湖街道 某路 12 号")
    assert case.status is CaseStatus.DISPATCHED  # to the community admin
    number = await created(obot, form(key, lat="<omit>", long="<omit>", address_id="b12-1"))
    case = await Case.get(number=number)
    assert (case.building_code, case.grid_code) == ("B12-1", "G01") and case.lat is not None
    [r] = await (await get(obot, f"requests/{number}.json")).json()
    assert r["address_id"] == "B12-1"


async def test_a_long_description_arrives_whole(obot):
    key = await api_key()
    text = "垃圾" * 2000  # the spec's 4,000 characters: about 36 KB once form-encoded
    number = await created(obot, form(key, description=text))
    assert (await Case.get(number=number)).description == text


async def test_json_answer(obot):
    key = await api_key()
    resp = await post(obot, form(key), "json")
    assert resp.status == 200 and resp.content_type == "application/json"
    [answer] = await resp.json()
    assert list(answer) == ["service_request_id", "token", "service_notice", "account_id"]
    assert answer["service_request_id"] == "A1001" and answer["account_id"] is None
    token = answer["token"]
    assert await (await get(obot, f"tokens/{token}.json")).json() == [
        {"service_request_id": "A1001", "token": token}]


async def test_api_key_missing_unknown_or_revoked_is_403(obot):
    key = await api_key()
    assert "api_key" in await xml_error(await post(obot, form(None)), 403)
    assert "api_key" in await json_error(await post(obot, form(None), "json"), 403)
    await xml_error(await post(obot, form("not-a-key")), 403)
    await revoke_key("city-app")
    await xml_error(await post(obot, form(key)), 403)
    assert await Case.all().count() == 0


@pytest.mark.parametrize("changes, status, says", [
    ({"service_code": "<omit>"}, 400, "service_code"),
    ({"service_code": "nosuch"}, 404, "nosuch"),  # the spec: an unknown service_code is 404
    ({"lat": "<omit>", "long": "<omit>"}, 400, "位置"),
    ({"long": "<omit>"}, 400, "同时"),
    ({"lat": "abc"}, 400, "abc"),
    ({"lat": "91"}, 400, "91"),
    ({"long": "nan"}, 400, "nan"),
    ({"lat": "<omit>", "long": "<omit>", "address_id": "B99"}, 400, "B99"),
    ({"description": "长" * 4001}, 400, "4000"),
    ({"media_url": "ftp://x/y.jpg"}, 400, "media_url"),
    ({"account_id": "a" * 65}, 400, "account_id"),
])
async def test_bad_requests(obot, changes, status, says):
    key = await api_key()
    assert says in await xml_error(await post(obot, form(key, **changes)), status)
    assert says in await json_error(await post(obot, form(key, **changes), "json"), status)
    assert await Case.all().count() == 0


async def test_inactive_service_and_bad_bodies(obot):
    key = await api_key()
    await Category.filter(code="heating").update(active=False)
    await xml_error(await post(obot, form(key, service_code="heating")), 404)
    resp = await obot.client.post("/open311/v2/requests.xml", json=form(key))
    assert "x-www-form-urlencoded" in await xml_error(resp, 400)
    big = form(key, description="x" * 100) | {"padding": "y" * 70_000}
    await xml_error(await post(obot, big), 413)
    await xml_error(await post(obot, form(key), "csv"), 404)
    assert await Case.all().count() == 0


async def test_posts_are_rate_limited_per_key(obot, monkeypatch):
    monkeypatch.setattr(submit, "RATE_LIMIT", 2)
    key, other = await api_key(), await api_key("other-app")
    await created(obot, form(key))
    await created(obot, form(key))
    resp = await post(obot, form(key))
    assert "2" in await xml_error(resp, 429) and resp.headers["Retry-After"] == "60"
    await json_error(await post(obot, form(key), "json"), 429)
    await created(obot, form(other))
    assert await Case.all().count() == 3


async def test_no_push_to_the_client_supporters_still_hear(obot):
    key = await api_key()
    number = await created(obot, form(key))
    await add_supporter(await Case.get(number=number), "o-neighbour", via="offered")
    await obot.say("o-grid", f"接单 {number}")
    await obot.say("o-grid", f"处理中 {number}")
    assert await pushed(CLIENT) == []
    assert len(await pushed("o-neighbour")) == 2
    await outbox.deliver_due(services(obot).messenger)
    assert [m for m in obot.sandbox.sent if m["openid"].startswith("open311:")] == []
    assert await OutboxMessage.filter(openid__startswith="open311:").count() == 0


def test_external_reporters():
    assert notify.is_external("open311:city-app")
    assert not notify.is_external("o-res") and not notify.is_external("oAbc_open311:")


async def test_closing_pays_supporters_not_the_client_and_is_done(obot):
    key = await api_key()
    number = await created(obot, form(key))
    await add_supporter(await Case.get(number=number), "o-neighbour", via="offered")
    await resolve(obot, number)
    clock.advance(timedelta(hours=73))
    await scheduled.sweep_closing(None)
    case = await Case.get(number=number)
    assert case.status is CaseStatus.CLOSED
    assert list(await Award.all().values_list("openid", "amount")) == [("o-neighbour", 2)]
    assert not await Account.filter(code=accounts.wallet_code(CLIENT)).exists()
    assert await pushed(CLIENT) == []
    assert any("积分" in t or "+2" in t for t in await pushed("o-neighbour"))
    assert await awards.award_due() == 0  # done: the sweep does not come back to it


async def test_the_sweep_pays_a_supporter_a_crash_left_unpaid(obot):
    key = await api_key()
    lone = await created(obot, form(key))
    number = await created(obot, form(key, service_code="sewer"))
    await add_supporter(await Case.get(number=number), "o-neighbour", via="offered")
    for n in (lone, number):
        await resolve(obot, n)
        case = await Case.get(number=n)
        # Closed without the award that follows at once (the process died in between).
        await transition(case, "auto_confirm", "system", fields={"closed_at": clock.now()})
    assert await awards.award_due() == 1  # the lone case has nobody to pay: done at once
    assert list(await Award.all().values_list("openid", "subject")) == [
        ("o-neighbour", number)]
    assert await awards.award_due() == 0
