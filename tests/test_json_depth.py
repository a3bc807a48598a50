"""JSON nested deeper than any request of ours needs is a 400 (the standard error body) at
every JSON entrance: the API's bodies and cursors, the sandbox's WeChat endpoints and its
login helper. Never a RecursionError turned 500."""

from __future__ import annotations

import base64

import pytest

from bot import jsonsafe
from tests.support.api import Api

DEEP = 100_000


def nested(depth: int, kind: str = "list") -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", [DEEP, 2_000, jsonsafe.MAX_DEPTH + 1])
@pytest.mark.parametrize("kind", ["list", "object"])
def test_loads_refuses_deep_documents(depth, kind):
    with pytest.raises(ValueError):
        jsonsafe.loads(nested(depth, kind))


def test_loads_takes_what_our_requests_look_like():
    assert jsonsafe.loads(nested(jsonsafe.MAX_DEPTH, "object"))["a"]
    assert jsonsafe.loads(b'{"photo_ids": ["up_1"], "lat": 43.8}') == {"photo_ids": ["up_1"],
                                                                         "lat": 43.8}


@pytest.mark.parametrize("body", [nested(DEEP), nested(DEEP, "object"), "[" * DEEP,
                                  '{"description": ' + nested(900) + "}",
                                  '{"description": ' + nested(2_000, "object") + "}"],
                         ids=["array", "object", "unclosed", "900-deep-field", "2000-deep-field"])
async def test_a_deep_api_body_is_a_400(bot, body):
    alice = await Api(bot.client, bot.sandbox).login("o-alice")
    for path in ("/reports", "/auth/login"):
        resp = await bot.client.post(f"/api/v1{path}", data=body.encode(),
                                     headers=alice.headers({"Content-Type": "application/json"}))
        assert resp.status == 400, (path, await resp.text())
        error = (await resp.json())["error"]
        assert error["code"] in ("malformed_json", "invalid_request"), error


async def test_a_deep_cursor_is_a_400(bot):
    alice = await Api(bot.client, bot.sandbox).login("o-alice")
    # A cursor is at most 200 characters, so its JSON nests 75 deep at most.
    cursor = base64.urlsafe_b64encode(nested(70).encode()).decode().rstrip("=")
    status, body = await alice.get("/reports/mine", params={"cursor": cursor})
    assert status == 400, body
    assert body["error"]["code"] == "bad_cursor"


async def test_the_sandbox_answers_a_deep_body_as_wechat_would(bot, sandbox):
    token, _ = sandbox.state.issue_token(False)
    for path in ("/cgi-bin/stable_token", f"/cgi-bin/message/custom/send?access_token={token}"):
        resp = await bot.client.session.post(f"{sandbox.url}{path}", data=nested(DEEP))
        assert resp.status == 200
        assert (await resp.json())["errcode"] == 47001
    resp = await bot.client.session.post(f"{sandbox.url}/_sandbox/login", data=nested(DEEP))
    assert resp.status == 400
