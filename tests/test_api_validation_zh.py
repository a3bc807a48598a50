"""Validation details in the API's error body are Chinese and name the field (issue 14)."""

from __future__ import annotations

POST = {"title": "想要一根拐杖", "details": "腿脚不便", "kind": "goods",
        "address": "繁荣社区 3号楼2单元501", "phone": "139 1234 5678"}


def _problems(body) -> dict[str, str]:
    return {d["field"].split(".")[-1]: d["problem"] for d in body["error"]["details"]}


async def test_validation_details_are_chinese_with_the_field(api):
    caller = await api.login("o-res")
    status, body = await caller.post("/wishes", json={**POST, "title": "长" * 31,
                                                      "details": None})
    assert status == 400, body
    problems = _problems(body)
    assert problems["title"] == "title 最多 30 个字符", problems
    status, body = await caller.post("/wishes", json={"details": "x"})
    problems = _problems(body)
    assert problems["title"] == "缺少必填字段 title", problems
    status, body = await caller.get("/wishes", params={"limit": "abc"})
    assert status == 400, body
    assert _problems(body)["limit"] == "limit 应为整数", body
    status, body = await caller.get("/wishes", params={"limit": "0"})
    assert _problems(body)["limit"].startswith("limit 应大于或等于"), body
    for problem in _problems(body).values():
        assert not any("a" <= c.lower() <= "z" for c in problem.replace("limit", "")), problem
