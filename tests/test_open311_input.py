"""Open311 input no database can store (NUL, broken Unicode) is a 400, never a 500."""

from __future__ import annotations

import pytest

from tests.support.open311 import P, api_key, form, get, open311_bot, post


@pytest.fixture
async def obot(make_bot, tmp_path):
    return await open311_bot(make_bot, tmp_path)


@pytest.mark.parametrize("params", [
    {"service_request_id": "A1\x00"}, {"service_code": "garb\x00age"},
    {"status": "open\x00"}, {"start_date": "2026-01-01T00:00:00Z\x00"},
])
async def test_nul_in_a_filter_is_a_400(obot, params):
    resp = await get(obot, "requests.json", **params)
    assert resp.status == 400, await resp.text()
    assert (await resp.json())[0]["code"] == 400


@pytest.mark.parametrize("path", ["requests/A1%00.json", "services/ga%00.json",
                                  "tokens/t%00.json"])
async def test_nul_in_an_id_is_a_400(obot, path):
    resp = await obot.client.get(f"{P}/{path}")
    assert resp.status == 400, await resp.text()


@pytest.mark.parametrize("field", ["description", "address_string", "account_id",
                                   "media_url", "api_key"])
async def test_nul_in_a_posted_field_is_a_400(obot, field):
    key = await api_key()
    body = form(key, address_string="长春市南湖街道")
    body[field] = (body.get(field) or "x") + "\x00"
    resp = await post(obot, body, "json")
    assert resp.status == 400, await resp.text()
    assert (await resp.json())[0]["code"] == 400
