"""/api/v1/staff: the queue (我的待办), a case as staff see it, and 接单 / 处理中 / 完成 /
驳回 / 转派 / 报到 through the same functions as the chat; who may do what; idempotency."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.api.pagination import encode_cursor
from handlers.reports.lifecycle import history
from handlers.reports.service.support import add_supporter
from storage.core.models import Person, Photo, ProcessedMessage, Role
from storage.reports.models import Case, CaseEvent, CaseStatus
from tests.support.api import PREFIX, form, jpeg
from tests.support.reports_staff import (
    ADMIN,
    DEPT,
    G01,
    G02,
    IN_G02,
    PROP,
    RES,
    RES2,
    district,
    fresh,
    pushed,
    report,
)

S = CaseStatus
OTHER_GRID, OTHER_PROP, VOLUNTEER = "o-g05", "o-prop2", "o-vol"


@pytest.fixture
async def world(make_bot, api_for, tmp_path):
    """(api, bot) over the demo district, with staff of another grid and another compound."""
    bot = await make_bot(media_dir=tmp_path / "media")
    await district()
    await Person.create(openid=OTHER_GRID, role=Role.GRID_WORKER, name="冯晓东", grid="G05")
    await Person.create(openid=OTHER_PROP, role=Role.PROPERTY_MANAGER, name="钱",
                        org="长春安居物业 · 和顺小区")
    await Person.create(openid=VOLUNTEER, role=Role.VOLUNTEER, name="志愿者小王")
    await Person.filter(openid=RES).update(phone="13800001234")
    return api_for(bot), bot


def numbers(body: dict) -> list[str]:
    return [item["number"] for item in body["items"]]


async def test_the_queue_is_my_todo_most_urgent_first(world):
    api, _ = world
    slow = await report("abandoned_vehicle")  # accept within 24 h
    fast = await report("garbage", at=(43.8861, 125.3181))  # within 4 h
    overdue = await report("street_vending", at=(43.8862, 125.3182))
    await Case.filter(id=overdue.id).update(overdue=True)
    elsewhere = await report("garbage", at=IN_G02)
    g01 = await api.login(G01)
    status, body = await g01.get("/staff/cases")
    assert status == 200, body
    assert numbers(body) == [overdue.number, fast.number, slow.number]
    assert body["next_cursor"] is None
    first = body["items"][0]
    assert first["overdue"] is True and first["due_step"] == "accept"
    assert first["status"] == "dispatched" and first["status_name"] == "待受理"
    assert first["category_name"] == "占道经营" and first["assigned_to_me"] is True
    assert first["due_at"].endswith("+08:00") and first["created_at"].endswith("+08:00")
    assert first["due_at"] == first["accept_due_at"]
    assert body["items"][1]["overdue"] is False
    other = await api.login(OTHER_GRID)
    assert (await other.get("/staff/cases"))[1]["items"] == []
    admin = await api.login(ADMIN)  # the community admin of 繁荣社区
    assert set(numbers((await admin.get("/staff/cases"))[1])) == {
        slow.number, fast.number, overdue.number, elsewhere.number}


async def test_the_queue_filters_by_status_and_grid(world):
    api, bot = world
    one = await report("garbage")
    two = await report("garbage", at=(43.8861, 125.3181))
    await bot.say(G01, f"接单 {two.number}")
    g01 = await api.login(G01)
    status, body = await g01.get("/staff/cases", params={"status": "accepted"})
    assert status == 200 and numbers(body) == [two.number]
    item = body["items"][0]
    assert item["due_step"] == "resolve" and item["due_at"] == item["resolve_due_at"]
    assert numbers((await g01.get("/staff/cases", params={"status": "dispatched"}))[1]) == [
        one.number]
    status, body = await g01.get("/staff/cases", params={"status": "closed"})
    assert status == 400 and body["error"]["code"] == "invalid_request"
    assert (await g01.get("/staff/cases", params={"grid": "G02"}))[1]["items"] == []


async def test_admins_see_every_open_case_of_their_community(world):
    api, bot = world
    a = await report("garbage")
    b = await report("garbage", at=IN_G02)
    c = await report("garbage", at=(43.8861, 125.3181))
    await bot.say(G01, f"驳回 {c.number} 不归这里管")
    admin = await api.login(ADMIN)
    status, body = await admin.get("/staff/cases", params={"scope": "grid"})
    assert status == 200 and set(numbers(body)) == {a.number, b.number}
    body = (await admin.get("/staff/cases", params={"scope": "grid", "grid": "G02"}))[1]
    assert numbers(body) == [b.number]
    g01 = await api.login(G01)
    status, body = await g01.get("/staff/cases", params={"scope": "grid"})
    assert status == 403 and body["error"]["code"] == "forbidden"


async def test_the_queue_pages_by_urgency(world):
    api, _ = world
    cases = [await report("garbage", at=(43.8860 + i / 10000, 125.3180)) for i in range(5)]
    await Case.filter(id=cases[3].id).update(overdue=True)
    g01 = await api.login(G01)
    whole = numbers((await g01.get("/staff/cases"))[1])
    assert len(whole) == 5 and whole[0] == cases[3].number
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        status, body = await g01.get("/staff/cases", params=params)
        assert status == 200, body
        pages += 1
        seen += numbers(body)
        if cursor:  # the same cursor gives the same page
            assert (await g01.get("/staff/cases", params=params))[1] == body
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == whole and len(set(seen)) == 5
    for bad in ("!!!", encode_cursor(5), encode_cursor([1, "x", 3]), encode_cursor([0, 1])):
        status, body = await g01.get("/staff/cases", params={"cursor": bad})
        assert status == 400 and body["error"]["code"] == "bad_cursor", bad
    status, body = await g01.get("/staff/cases", params={"limit": "0"})
    assert status == 400


@pytest.mark.parametrize("who,code", [(RES, "forbidden"), (VOLUNTEER, "forbidden")])
async def test_residents_and_volunteers_have_no_staff_routes(world, who, code):
    api, _ = world
    case = await report("garbage")
    person = await api.login(who)
    for method, path in [("GET", "/staff/cases"), ("GET", f"/staff/cases/{case.number}"),
                         ("POST", f"/staff/cases/{case.number}/accept"),
                         ("POST", f"/staff/cases/{case.number}/acknowledge")]:
        status, body = await person.call(method, path)
        assert status == 403 and body["error"]["code"] == code, (method, path)
    status, _ = await api.anonymous("GET", "/staff/cases")
    assert status == 401
    assert (await fresh(case)).status is S.DISPATCHED


# A grid case in G01 (garbage) and a property case in 明珠小区 (sewer), as each staff sees them.
GRID_CASE = {G01: 200, G02: 200, ADMIN: 200,  # G02's worker is G01's deputy (B角)
             OTHER_GRID: 403, PROP: 403, OTHER_PROP: 403, DEPT: 403}
PROPERTY_CASE = {PROP: 200, G01: 200, ADMIN: 200, OTHER_PROP: 403, OTHER_GRID: 403, DEPT: 403}


@pytest.mark.parametrize("category,expected", [("garbage", GRID_CASE),
                                               ("sewer", PROPERTY_CASE)])
async def test_who_may_see_and_act_on_a_case(world, category, expected):
    api, _ = world
    case = await report(category)
    for openid, want in expected.items():
        caller = await api.login(openid)
        status, body = await caller.get(f"/staff/cases/{case.number}")
        assert status == want, (openid, body)
        if want == 403:
            assert body["error"]["code"] == "not_allowed"
            status, body = await caller.post(f"/staff/cases/{case.number}/accept")
            assert status == 403 and body["error"]["code"] == "not_allowed", openid
            status, body = await caller.post(f"/staff/cases/{case.number}/reject",
                                             json={"reason": "不是我们的"})
            assert status == 403 and body["error"]["code"] == "not_allowed", openid
    assert (await fresh(case)).status is S.DISPATCHED
    assert not await CaseEvent.filter(case_id=case.id, action__in=["accept", "reject"]).exists()


async def test_the_department_acts_on_its_own_cases(world):
    api, _ = world
    case = await report("road_damage")
    assert (case.responsible, case.assignee_openid) == ("department", DEPT)
    dept = await api.login(DEPT)
    status, body = await dept.get("/staff/cases")
    assert numbers(body) == [case.number]
    status, body = await dept.post(f"/staff/cases/{case.number}/accept")
    assert status == 200 and body["case"]["status"] == "accepted"


@pytest.mark.parametrize("number", ["A99999", "xyz", "A", "A1x", "%E4%B8%AD", "A99999999999"])
async def test_an_unknown_case_is_404(world, number):
    api, _ = world
    g01 = await api.login(G01)
    status, body = await g01.get(f"/staff/cases/{number}")
    assert status == 404 and body["error"]["code"] == "unknown_case"
    status, body = await g01.post(f"/staff/cases/{number}/accept")
    assert status == 404 and body["error"]["code"] == "unknown_case"


async def test_the_case_as_staff_see_it_without_the_reporter(world):
    api, bot = world
    case = await report("garbage", media_ids=["wx-media-1"])
    await add_supporter(case, RES2, via="offered")
    g01 = await api.login(G01)
    status, body = await g01.get(f"/staff/cases/{case.number.lower()}")
    assert status == 200, body
    assert body["number"] == case.number and body["description"] == "楼下垃圾堆了三天"
    assert body["address"] == "人民大街 5588 号" and body["grid"] == "G01"
    assert body["responsible"] == "grid" and body["responsible_name"] == "网格员"
    assert body["assignee"] == "网格员 王梦苏" and body["assigned_to_me"] is True
    assert body["supporters_count"] == 1
    assert [(p["url"], p["stored"]) for p in body["photos"]] == [(None, False)]  # downloading
    assert body["after_photos"] == []
    assert set(body["actions"]) == {"accept", "reject", "transfer"}
    assert [(e["action"], e["by"]) for e in body["timeline"]] == [
        ("submit", "居民"), ("dispatch", "系统"), ("support", "居民")]
    assert body["timeline"][1]["note"].startswith("分拨至")
    assert body["timeline"][1]["to_status"] == "dispatched"
    text = json.dumps(body, ensure_ascii=False)
    for private in (RES, RES2, "周大妈", "孙大爷", "13800001234"):
        assert private not in text  # staff never see who reported or supported
    # The chat's 案件 shows the same case to the same people.
    assert case.number in await bot.say(G01, f"案件 {case.number}")


async def test_accept_start_resolve_with_a_photo(world):
    api, bot = world
    case = await report("garbage")
    n = case.number
    g01 = await api.login(G01)
    status, body = await g01.post(f"/staff/cases/{n}/accept")
    assert status == 200, body
    assert body["message"].startswith(f"已受理 {n}")
    assert body["case"]["status"] == "accepted" and body["case"]["accepted_at"]
    assert set(body["case"]["actions"]) == {"start", "resolve", "reject", "transfer"}
    assert body["case"]["timeline"][-1]["by"] == "网格员 王梦苏"
    assert any("已受理" in m and n in m for m in await pushed(RES))
    status, body = await g01.post(f"/staff/cases/{n}/start")
    assert status == 200 and body["case"]["status"] == "in_progress"
    status, body = await g01.post(f"/staff/cases/{n}/start")
    assert status == 409 and body["error"]["code"] == "wrong_state"
    assert "不能标记处理中" in body["error"]["message"]
    status, body = await g01.post(f"/staff/cases/{n}/resolve",
                                  data=form({"note": "已清运"}, [jpeg()]))
    assert status == 200, body
    assert body["message"] == f"{n} 已办结，已请居民确认评价。"
    detail = body["case"]
    assert detail["status"] == "resolved" and detail["resolved_at"] and detail["confirm_due_at"]
    assert len(detail["after_photos"]) == 1 and detail["after_photos"][0]["stored"]
    url = detail["after_photos"][0]["url"]
    assert url == f"/api/v1/photos/{detail['after_photos'][0]['id']}"
    resp = await api.client.get(url, headers=g01.headers())
    assert resp.status == 200 and resp.content_type == "image/jpeg"
    reporter = await api.login(RES)  # the reporter sees the after-photo too
    assert (await api.client.get(url, headers=reporter.headers())).status == 200
    assert detail["timeline"][-1]["note"] == "已清运" and detail["actions"] == []
    photo = await Photo.get(owner_kind="report_after", owner_id=n)
    assert photo.openid == G01
    assert [e.action for e in await history(await fresh(case))] == [
        "submit", "dispatch", "accept", "start", "resolve"]
    asked = [m for m in await pushed(RES) if "满意" in m]
    assert len(asked) == 1 and "已清运" in asked[0]
    # The resident sees it resolved, in chat.
    reply = await bot.say(RES, f"查 {n}")
    assert "已办结" in reply and "处理完成" in reply
    assert (await g01.get(f"/staff/cases/{n}"))[1]["status"] == "resolved"


async def test_resolve_needs_one_good_photo(world):
    api, _ = world
    case = await report("garbage")
    n = case.number
    g01 = await api.login(G01)
    status, body = await g01.post(f"/staff/cases/{n}/resolve", data=form({}, [jpeg()]))
    assert status == 409 and body["error"]["code"] == "wrong_state"  # not accepted yet
    assert not await Photo.filter(openid=G01).exists()  # the upload went with the refusal
    await g01.post(f"/staff/cases/{n}/accept")
    for payload in ({"note": "好了"}, {"photo_ids": []}, {"photo_ids": ["a", "b"]}):
        status, body = await g01.post(f"/staff/cases/{n}/resolve", json=payload)
        assert status == 400 and body["error"]["code"] == "invalid_request", payload
    status, body = await g01.post(f"/staff/cases/{n}/resolve", data=form({"note": "x"}))
    assert status == 415  # a form without a file is no multipart upload
    status, body = await g01.post(f"/staff/cases/{n}/resolve",
                                  data=form({}, [b"GIF89a"], content_type="image/gif"))
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"
    status, body = await g01.post(f"/staff/cases/{n}/resolve",
                                  data=form({}, [jpeg() + b"\0" * (10 * 1024 * 1024)]))
    assert status == 413 and body["error"]["code"] == "payload_too_large"
    status, body = await g01.post(f"/staff/cases/{n}/resolve", data=form({}, [jpeg(), jpeg()]))
    assert status == 400 and body["error"]["code"] == "too_many_files"
    # Somebody else's upload is not mine to use; my own (POST /photos) is.
    res = await api.login(RES)
    theirs = (await res.post("/photos", data=form({}, [jpeg()], field="file")))[1]["id"]
    status, body = await g01.post(f"/staff/cases/{n}/resolve", json={"photo_ids": [theirs]})
    assert status == 422 and body["error"]["code"] == "unknown_photo"
    assert (await fresh(case)).status is S.ACCEPTED
    mine = (await g01.post("/photos", data=form({}, [jpeg(color=(9, 9, 9))], field="file")))[1]
    status, body = await g01.post(f"/staff/cases/{n}/resolve",
                                  json={"photo_ids": [mine["id"]], "note": "  修好了 "})
    assert status == 200, body
    assert body["case"]["status"] == "resolved" and body["case"]["timeline"][-1]["note"] == "修好了"
    adopted = await Photo.get(media_id=mine["id"])
    assert (adopted.owner_kind, adopted.owner_id) == ("report_after", n)
    status, body = await g01.post(f"/staff/cases/{n}/resolve", json={"photo_ids": [mine["id"]]})
    assert status == 409


async def test_reject_with_a_reason(world):
    api, _ = world
    case = await report("garbage")
    g01 = await api.login(G01)
    status, body = await g01.post(f"/staff/cases/{case.number}/reject", json={"reason": "   "})
    assert status == 422 and body["error"]["code"] == "bad_input"
    status, body = await g01.post(f"/staff/cases/{case.number}/reject", json={})
    assert status == 400
    status, body = await g01.post(f"/staff/cases/{case.number}/reject",
                                  json={"reason": "属于工地建筑垃圾，归住建局管"})
    assert status == 200, body
    assert body["case"]["status"] == "rejected" and "住建局" in body["case"]["referral"]
    assert "朝阳区市容环境卫生局" in body["message"]
    assert any("未予受理" in m and "住建局" in m for m in await pushed(RES))
    status, body = await g01.post(f"/staff/cases/{case.number}/reject",
                                  json={"reason": "再驳一次"})
    assert status == 409 and body["error"]["code"] == "wrong_state"
    # the case leaves the queue
    assert (await g01.get("/staff/cases"))[1]["items"] == []


async def test_transfer_to_property_then_department(world):
    api, _ = world
    await Person.create(openid="o-env", role=Role.DEPARTMENT, name="钱卫",
                        org="朝阳区市容环境卫生局")
    case = await report("garbage")  # in 明珠小区
    g01 = await api.login(G01)
    status, body = await g01.post(f"/staff/cases/{case.number}/transfer", json={"to": "物业"})
    assert status == 400
    status, body = await g01.post(f"/staff/cases/{case.number}/transfer",
                                  json={"to": "property"})
    assert status == 200, body
    assert body["case"]["responsible"] == "property" and "物业" in body["message"]
    assert body["case"]["assignee"] == "物业 赵红梅"
    assert (await fresh(case)).assignee_openid == PROP
    assert any("转派" in m and case.number in m for m in await pushed(PROP))
    assert any("转交物业" in m for m in await pushed(RES))
    status, body = await g01.post(f"/staff/cases/{case.number}/transfer",
                                  json={"to": "property"})
    assert status == 409 and "已经由" in body["error"]["message"]
    prop = await api.login(PROP)
    assert case.number in numbers((await prop.get("/staff/cases"))[1])
    status, body = await prop.post(f"/staff/cases/{case.number}/transfer",
                                   json={"to": "department"})
    assert status == 200 and body["case"]["responsible"] == "department"
    assert body["case"]["assigned_to_me"] is False
    # the property no longer answers for it
    assert (await prop.get(f"/staff/cases/{case.number}"))[0] == 403
    env = await api.login("o-env")
    assert (await env.post(f"/staff/cases/{case.number}/accept"))[0] == 200
    # outside every compound there is no property to whistle to
    other = await report("garbage", at=IN_G02)
    g02 = await api.login(G02)
    status, body = await g02.post(f"/staff/cases/{other.number}/transfer",
                                  json={"to": "property"})
    assert status == 409 and "不在任何小区内" in body["error"]["message"]
    assert (await fresh(other)).responsible == "grid"


async def test_the_property_manager_acknowledges(world):
    api, _ = world
    case = await report("sewer")
    n = case.number
    g01 = await api.login(G01)
    assert "acknowledge" not in (await g01.get(f"/staff/cases/{n}"))[1]["actions"]
    status, body = await g01.post(f"/staff/cases/{n}/acknowledge")
    assert status == 403 and "无需报到" in body["error"]["message"]
    other = await api.login(OTHER_PROP)
    status, body = await other.post(f"/staff/cases/{n}/acknowledge")
    assert status == 403 and body["error"]["code"] == "not_allowed"
    prop = await api.login(PROP)
    assert "acknowledge" in (await prop.get(f"/staff/cases/{n}"))[1]["actions"]
    status, body = await prop.post(f"/staff/cases/{n}/acknowledge")
    assert status == 200, body
    detail = body["case"]
    assert detail["status"] == "accepted" and detail["property_acknowledged_at"]
    assert detail["property_acknowledged_at"].endswith("+08:00")
    assert "acknowledge" not in detail["actions"]
    assert [e["action"] for e in detail["timeline"]][-2:] == ["acknowledge", "accept"]
    assert any("物业已报到" in m for m in await pushed(RES))
    status, body = await prop.post(f"/staff/cases/{n}/acknowledge")
    assert status == 409 and "报到过了" in body["error"]["message"]


async def test_two_staff_accept_at_once_one_wins(world):
    api, _ = world
    case = await report("garbage")
    callers = [await api.login(o) for o in (G01, G02, ADMIN)]
    results = await asyncio.gather(*[c.post(f"/staff/cases/{case.number}/accept")
                                     for c in callers])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409, 409], results
    assert {b["error"]["code"] for s, b in results if s == 409} == {"wrong_state"}
    assert await CaseEvent.filter(case_id=case.id, action="accept").count() == 1
    assert len([m for m in await pushed(RES) if "已受理" in m]) == 1
    winner = next(c for c, (s, _) in zip(callers, results, strict=True) if s == 200)
    # who takes it owns it; an admin accepting keeps the assigned grid worker
    owner = G01 if winner.openid == ADMIN else winner.openid
    assert (await fresh(case)).assignee_openid == owner


async def test_an_idempotent_replay_is_the_same_answer_once(world):
    api, _ = world
    case = await report("garbage")
    n = case.number
    g01 = await api.login(G01)
    key = {"Idempotency-Key": "accept-once"}
    first = await g01.post(f"/staff/cases/{n}/accept", headers=key)
    again = await g01.post(f"/staff/cases/{n}/accept", headers=key)
    assert first[0] == 200 and first == again
    resp = await api.client.post(PREFIX + f"/staff/cases/{n}/accept", headers=g01.headers(key))
    assert resp.status == 200 and resp.headers["Idempotent-Replayed"] == "true"
    assert await CaseEvent.filter(case_id=case.id, action="accept").count() == 1
    assert len([m for m in await pushed(RES) if "已受理" in m]) == 1
    assert await ProcessedMessage.filter(openid=G01).count() == 1
    # without the key a repeat is a new request: the state refuses it
    assert (await g01.post(f"/staff/cases/{n}/accept"))[0] == 409
    # the same key for another request is refused
    status, body = await g01.post(f"/staff/cases/{n}/start", headers=key)
    assert status == 422 and body["error"]["code"] == "idempotency_key_reused"
    assert (await fresh(case)).status is S.ACCEPTED
    # another person's key of the same name is theirs
    admin = await api.login(ADMIN)
    assert (await admin.post(f"/staff/cases/{n}/start", headers=key))[0] == 200


async def test_a_refused_request_may_be_retried_with_its_key(world):
    api, _ = world
    case = await report("garbage")
    g01 = await api.login(G01)
    key = {"Idempotency-Key": "resolve-1"}
    status, _ = await g01.post(f"/staff/cases/{case.number}/resolve",
                               data=form({}, [jpeg()]), headers=key)
    assert status == 409  # not accepted yet: nothing stored under the key
    await g01.post(f"/staff/cases/{case.number}/accept")
    first = await g01.post(f"/staff/cases/{case.number}/resolve",
                           data=form({"note": "好了"}, [jpeg()]), headers=key)
    again = await g01.post(f"/staff/cases/{case.number}/resolve",
                           data=form({"note": "好了"}, [jpeg()]), headers=key)
    assert first[0] == 200 and first == again
    assert await Photo.filter(owner_kind="report_after", owner_id=case.number).count() == 1
    other = await g01.post(f"/staff/cases/{case.number}/resolve",
                           data=form({"note": "别的"}, [jpeg()]), headers=key)
    assert other[0] == 422 and other[1]["error"]["code"] == "idempotency_key_reused"


async def test_the_staff_operations_are_documented(world):
    api, _ = world
    doc = (await api.anonymous("GET", "/openapi.json"))[1]
    paths = doc["paths"]
    for action in ("accept", "start", "resolve", "reject", "transfer", "acknowledge"):
        responses = paths[f"/staff/cases/{{number}}/{action}"]["post"]["responses"]
        assert {"200", "403", "404", "409"} <= set(responses), action
    assert "multipart/form-data" in paths["/staff/cases/{number}/resolve"]["post"][
        "requestBody"]["content"]
    assert {"200", "403", "404"} <= set(paths["/staff/cases/{number}"]["get"]["responses"])


async def test_unstorable_text_is_a_400_not_a_500(world):
    api, _ = world
    case = await report("garbage")
    n = case.number
    g01 = await api.login(G01)
    await g01.post(f"/staff/cases/{n}/accept")
    for path, payload in [("reject", {"reason": "原因\x00"}),
                          ("resolve", {"photo_ids": ["up_\x00"]}),
                          ("resolve", {"photo_ids": ["up_x"], "note": "\ud800"})]:
        status, body = await g01.post(f"/staff/cases/{n}/{path}", json=payload)
        assert status == 400 and body["error"]["code"] == "invalid_request", payload
    status, body = await g01.get("/staff/cases", params={"grid": "G\x00"})
    assert status == 400
    assert (await fresh(case)).status is S.ACCEPTED
