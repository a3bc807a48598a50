"""Every Open311 parameter, GET and POST, is checked for length and type: an over-long or
wrongly typed value is the spec's 400 error document (XML or JSON as asked), never a 500,
and nothing is created."""

from __future__ import annotations

import pytest

from storage.reports.models import Case
from tests.support.open311 import (
    P,
    api_key,
    form,
    get,
    json_error,
    open311_bot,
    post,
    xml_error,
)


@pytest.fixture
async def obot(make_bot, tmp_path):
    return await open311_bot(make_bot, tmp_path)


LONG_QUERY = {
    "service_request_id": ",".join(["A1001"] * 201),
    "service_code": "a" * 33,
    "start_date": "2026-01-01T00:00:00" + "0" * 40 + "Z",
    "end_date": "2" * 41,
    "status": "open," * 20,
    "jurisdiction_id": "j" * 65,
    "api_key": "k" * 129,
}

BAD_QUERY = [
    {"start_date": "yesterday"},
    {"start_date": "9999-12-31T00:00:00Z"},  # start + 90 days is past the year 9999
    {"end_date": "0001-01-01T00:00:00+14:00"},  # end - 90 days is before the year 1
    {"end_date": "1900-01-01T00:00:00Z"},
    {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-02-30T00:00:00Z"},
    {"status": "maybe"},
    {"service_code": "垃圾"},
    {"service_code": "garbage,a" + "a" * 40},
    {"service_request_id": "A1" + "1" * 30},
]


@pytest.mark.parametrize("name", sorted(LONG_QUERY))
@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_an_over_long_query_parameter_is_a_400(obot, name, fmt):
    resp = await get(obot, f"requests.{fmt}", **{name: LONG_QUERY[name]})
    text = await (json_error(resp, 400) if fmt == "json" else xml_error(resp, 400))
    assert name in text


@pytest.mark.parametrize("params", BAD_QUERY, ids=lambda p: ",".join(f"{k}={v[:12]}"
                                                                      for k, v in p.items()))
async def test_a_wrongly_typed_query_parameter_is_a_400(obot, params):
    await json_error(await get(obot, "requests.json", **params), 400)


@pytest.mark.parametrize("path", [f"services/{'a' * 33}", f"requests/A{'1' * 30}",
                                  f"tokens/{'t' * 33}", f"requests/{'x' * 200}"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_an_over_long_path_parameter_is_a_400(obot, path, fmt):
    resp = await obot.client.get(f"{P}/{path}.{fmt}")
    await (json_error(resp, 400) if fmt == "json" else xml_error(resp, 400))


LONG_FORM = {
    "api_key": "k" * 129,
    "jurisdiction_id": "j" * 65,
    "service_code": "a" * 33,
    "lat": "43." + "1" * 40,
    "long": "125." + "1" * 40,
    "address_string": "长" * 256,
    "address_id": "B" * 33,
    "email": "a" * 250 + "@x.cn",
    "device_id": "d" * 65,
    "account_id": "c" * 65,
    "first_name": "名" * 65,
    "last_name": "姓" * 65,
    "phone": "1" * 33,
    "description": "很" * 4001,
    "media_url": "https://img.example/" + "x" * 490,
}

BAD_FORM = [
    ("lat", "abc"), ("lat", "nan"), ("lat", "1e308"), ("lat", "91"), ("lat", "-inf"),
    ("long", "inf"), ("long", "181"), ("long", "0x10"), ("email", "not-an-email"),
    ("email", "a@b@c"), ("phone", "call me maybe"), ("media_url", "ftp://img.example/1.jpg"),
    ("media_url", "javascript:alert(1)"),
]


@pytest.mark.parametrize("name", sorted(LONG_FORM))
@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_an_over_long_posted_field_is_a_400(obot, name, fmt):
    key = await api_key()
    resp = await post(obot, form(key, **{name: LONG_FORM[name]}), fmt)
    text = await (json_error(resp, 400) if fmt == "json" else xml_error(resp, 400))
    assert name in text
    assert await Case.all().count() == 0


@pytest.mark.parametrize(("name", "value"), BAD_FORM)
async def test_a_wrongly_typed_posted_field_is_a_400(obot, name, value):
    key = await api_key()
    resp = await post(obot, form(key, **{name: value}), "json")
    await json_error(resp, 400)
    assert await Case.all().count() == 0


async def test_the_submitter_fields_at_their_limits_are_taken(obot):
    key = await api_key()
    resp = await post(obot, form(key, email="li.lei+311@example.com", phone="+86 138-1234-5678",
                                 first_name="名" * 64, last_name="姓" * 64, device_id="d" * 64,
                                 jurisdiction_id="j" * 64), "json")
    assert resp.status == 200, await resp.text()
