"""/api/v1 points: balance and entries, the rewards, redeeming, 核销, subscribe grants."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot import keys
from bot.api.pagination import encode_cursor
from handlers import outbox
from handlers.push import grants
from rewards import catalogue, ledger
from rewards.rules import apply_rule
from rewards.verify import verify
from storage import clock
from storage.core.models import OutboxMessage, ProcessedMessage, Role, SubscribeGrant
from storage.ledger.models import Redemption, RedemptionStatus
from tests.support.api import PREFIX
from tests.support.push import SUBSCRIBE, sent

PLACE = "繁荣社区服务站"
RES = "o-api-res"
SUB = "sub-progress"


async def reward(name="洗衣液", cost=30, stock=5, **kw):
    return await catalogue.add_reward(name, cost, stock, pickup_place=PLACE, **kw)


async def grant(openid=RES, amount=100, reason="参加社区志愿服务"):
    await ledger.grant(openid, amount, reason, key=f"t:{openid}:{amount}:{reason}")


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def offset_of(text: str) -> str:
    return datetime.fromisoformat(text).strftime("%z")


async def pages(caller, path: str, limit: int) -> list[dict]:
    """Every page of ``path``, following next_cursor."""
    seen, cursor = [], None
    while True:
        params = {"limit": str(limit)} | ({"cursor": cursor} if cursor else {})
        status, body = await caller.get(path, params=params)
        assert status == 200, body
        seen.append(body)
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


# -- GET /points, /points/entries -------------------------------------------------------------


async def test_balance_and_entries_after_awards(api):
    alice = await api.login(RES)
    status, body = await alice.get("/points")
    assert status == 200 and body == {"balance": 0, "reserved": 0, "available": 0}
    assert await alice.get("/points/entries") == (200, {"items": [], "next_cursor": None})
    await grant(amount=100, reason="参加社区志愿服务")
    await apply_rule("wish_fulfilled_volunteer", RES, "W12")
    assert (await alice.get("/points"))[1] == {"balance": 120, "reserved": 0, "available": 120}
    status, body = await alice.get("/points/entries")
    assert status == 200 and body["next_cursor"] is None
    newest, oldest = body["items"]
    assert (newest["amount"], newest["kind"], newest["rule"], newest["label"]) == (
        20, "award", "wish_fulfilled_volunteer", "完成微心愿")
    assert (oldest["amount"], oldest["kind"], oldest["label"], oldest["reason"]) == (
        100, "grant", "社区发放", "参加社区志愿服务")
    assert newest["id"] > oldest["id"]
    assert offset_of(newest["created_at"]) == "+0800"
    # Somebody else sees their own (empty) wallet, never Alice's.
    bob = await api.login("o-api-bob", role=Role.GRID_WORKER, grid="G02")
    assert (await bob.get("/points"))[1]["available"] == 0
    assert (await bob.get("/points/entries"))[1]["items"] == []


async def test_entries_page_across_three_pages(api):
    alice = await api.login(RES)
    for i in range(5):
        await grant(amount=10 + i, reason=f"第{i}次")
    await grant("o-api-other", 7)
    found = await pages(alice, "/points/entries", 2)
    assert [len(p["items"]) for p in found] == [2, 2, 1]
    amounts = [e["amount"] for p in found for e in p["items"]]
    assert amounts == [14, 13, 12, 11, 10]  # newest first, no duplicates, nobody else's
    # The cursor is stable: the same page again, even after a new entry arrived.
    second = found[0]["next_cursor"]
    await grant(amount=99, reason="新的")
    again = await alice.get("/points/entries", params={"limit": "2", "cursor": second})
    assert again == (200, found[1])
    assert (await alice.get("/points/entries", params={"limit": "1"}))[1]["items"][0][
        "amount"] == 99


@pytest.mark.parametrize("params", [
    {"cursor": "!!not-a-cursor!!"},
    {"cursor": encode_cursor("seven")},
    {"cursor": encode_cursor(True)},
    {"cursor": encode_cursor(10**30)},
    {"cursor": encode_cursor(-1)},
    {"limit": "0"},
    {"limit": "101"},
    {"limit": "many"},
])
async def test_bad_paging_is_400(api, params):
    alice = await api.login(RES)
    for path in ("/points/entries", "/redemptions", "/rewards"):
        status, body = await alice.get(path, params=params)
        assert status == 400, (path, params, body)
        assert body["error"]["code"] in ("bad_cursor", "invalid_request")


async def test_everything_needs_a_session(api):
    for method, path in [("GET", "/points"), ("GET", "/points/entries"), ("GET", "/rewards"),
                         ("POST", "/rewards/1/redeem"), ("GET", "/redemptions"),
                         ("POST", "/redemptions/pickup"), ("GET", "/subscriptions"),
                         ("POST", "/subscriptions")]:
        status, body = await api.anonymous(method, path)
        assert status == 401 and body["error"]["code"] == "unauthorized", (method, path)


# -- GET /rewards ----------------------------------------------------------------------------


async def test_the_catalogue_is_what_can_be_redeemed_now(api):
    volunteer = await api.login("o-api-vol", role=Role.VOLUNTEER)
    soap = await reward("洗衣液", 30, 12, per_person_limit=2)
    tissue = await reward("抽纸", 20, 0)
    bag = await reward("环保袋", 10, 3)
    await catalogue.disable(bag.id)
    await reward("理发券", 50, 5, available_from=clock.now() + timedelta(days=3))
    until = clock.now() + timedelta(days=30)
    towel = await reward("毛巾", 15, 4, available_until=until)
    status, body = await volunteer.get("/rewards")
    assert status == 200 and body["next_cursor"] is None
    cards = {c["id"]: c for c in body["items"]}
    assert list(cards) == [soap.id, tissue.id, towel.id]
    assert cards[soap.id] == {
        "id": soap.id, "name": "洗衣液", "cost": 30, "stock": 12, "per_person_limit": 2,
        "available_from": None, "available_until": None, "pickup_place": PLACE,
        "redeemable": True}
    assert cards[tissue.id]["stock"] == 0 and not cards[tissue.id]["redeemable"]
    assert datetime.fromisoformat(cards[towel.id]["available_until"]) == until
    assert offset_of(cards[towel.id]["available_until"]) == "+0800"
    found = await pages(volunteer, "/rewards", 2)
    assert [c["id"] for p in found for c in p["items"]] == [soap.id, tissue.id, towel.id]
    assert len(found) == 2


# -- POST /rewards/{id}/redeem ---------------------------------------------------------------


async def test_redeem_reserves_and_gives_a_pickup_code(api):
    alice = await api.login(RES)
    await grant(amount=100)
    soap = await reward("洗衣液", 30, 2)
    status, body = await alice.post(f"/rewards/{soap.id}/redeem", headers=key("r-1"))
    assert status == 201, body
    card = body["redemption"]
    assert card["code"].isdigit() and len(card["code"]) == 6
    assert (card["reward_id"], card["reward_name"], card["cost"], card["status"],
            card["pickup_place"]) == (soap.id, "洗衣液", 30, "pending", PLACE)
    assert card["status_text"] == "待领取" and card["resolved_at"] is None
    created, expires = (datetime.fromisoformat(card[f]) for f in ("created_at", "expires_at"))
    assert expires - created == timedelta(days=7) and offset_of(card["expires_at"]) == "+0800"
    assert body["balance"] == {"balance": 100, "reserved": 30, "available": 70}
    assert (await alice.get("/points"))[1]["available"] == 70
    assert (await catalogue.get_reward(soap.id)).stock == 1
    r = await Redemption.get()
    assert r.code == card["code"] and r.id == card["id"] and r.openid == RES
    # The ledger's key is the request's: api:<openid>:<hash of the Idempotency-Key>.
    processed = await ProcessedMessage.get(openid=RES)
    assert r.key == processed.dedup_key
    mine = await alice.get("/redemptions")
    assert mine == (200, {"items": [card], "next_cursor": None})
    assert (await verify()).ok


async def test_a_replayed_redeem_reserves_once(api):
    alice = await api.login(RES)
    await grant(amount=100)
    soap = await reward("洗衣液", 30, 5)
    bag = await reward("环保袋", 10, 5)
    first = await alice.post(f"/rewards/{soap.id}/redeem", headers=key("tap-1"))
    again = await alice.post(f"/rewards/{soap.id}/redeem", headers=key("tap-1"))
    assert first == again and first[0] == 201
    resp = await api.client.post(f"{PREFIX}/rewards/{soap.id}/redeem",
                                 headers=alice.headers(key("tap-1")))
    assert resp.status == 201 and resp.headers["Idempotent-Replayed"] == "true"
    assert await Redemption.all().count() == 1
    assert await ledger.balance(RES) == ledger.Balance(RES, 100, 30, 70)
    # The same key for another reward: refused, nothing reserved.
    status, body = await alice.post(f"/rewards/{bag.id}/redeem", headers=key("tap-1"))
    assert status == 422 and body["error"]["code"] == "idempotency_key_reused"
    assert await Redemption.all().count() == 1
    # Concurrent taps with one key: one reservation.
    results = await asyncio.gather(*[
        alice.post(f"/rewards/{bag.id}/redeem", headers=key("tap-2")) for _ in range(4)])
    assert {s for s, _ in results} == {201}
    assert len({b["redemption"]["code"] for _, b in results}) == 1
    assert await ledger.balance(RES) == ledger.Balance(RES, 100, 40, 60)
    # Each POST without a key is a confirmation of its own.
    assert (await alice.post(f"/rewards/{bag.id}/redeem"))[0] == 201
    assert (await alice.post(f"/rewards/{bag.id}/redeem"))[0] == 201
    assert await Redemption.all().count() == 4
    assert (await verify()).ok


async def test_insufficient_points_is_409_and_reserves_nothing(api):
    alice = await api.login(RES)
    await grant(amount=20)
    dear = await reward("电饭煲", 500, 2)
    status, body = await alice.post(f"/rewards/{dear.id}/redeem", headers=key("k"))
    assert status == 409 and body["error"]["code"] == "insufficient_points"
    assert body["error"]["message"] == "积分不足：需要 500 分，当前可用 20 分。"
    assert await ledger.balance(RES) == ledger.Balance(RES, 20, 0, 20)
    assert await Redemption.all().count() == 0
    # A refusal stores nothing: the same key works once there are points.
    await grant(amount=500, reason="补发")
    assert (await alice.post(f"/rewards/{dear.id}/redeem", headers=key("k")))[0] == 201


async def test_out_of_stock_not_available_over_limit_unknown(api):
    alice = await api.login(RES)
    await grant(amount=1000)
    gone = await reward("抽纸", 10, 0)
    off = await reward("环保袋", 10, 5)
    await catalogue.disable(off.id)
    soon = await reward("理发券", 10, 5, available_from=clock.now() + timedelta(days=1))
    once = await reward("毛巾", 10, 5, per_person_limit=1)
    assert (await alice.post(f"/rewards/{once.id}/redeem"))[0] == 201
    before = await ledger.balance(RES)
    cases = {gone.id: (409, "out_of_stock"), off.id: (409, "not_available"),
             soon.id: (409, "not_available"), once.id: (409, "over_limit"),
             999999: (404, "unknown_reward"), "abc": (404, "unknown_reward"),
             "0": (404, "unknown_reward"), "01": (404, "unknown_reward"),
             "99999999999": (404, "unknown_reward")}
    for reward_id, (want, code) in cases.items():
        status, body = await alice.post(f"/rewards/{reward_id}/redeem")
        assert (status, body["error"]["code"]) == (want, code), reward_id
        assert body["error"]["message"]
    assert "兑完" in (await alice.post(f"/rewards/{gone.id}/redeem"))[1]["error"]["message"]
    assert await ledger.balance(RES) == before
    assert await Redemption.all().count() == 1


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_twenty_people_and_the_last_unit(api):
    last = await reward("最后一把雨伞", 10, 1)
    people = [f"o-api-r{i}" for i in range(20)]
    callers = [await api.login(p) for p in people]
    for p in people:
        await grant(p, 10)
    results = await asyncio.gather(*[
        c.post(f"/rewards/{last.id}/redeem", headers=key(f"last-{i}"))
        for i, c in enumerate(callers)])
    statuses = sorted(s for s, _ in results)
    assert statuses == [201] + [409] * 19, statuses
    assert {b["error"]["code"] for s, b in results if s == 409} == {"out_of_stock"}
    assert (await catalogue.get_reward(last.id)).stock == 0
    assert sum([(await ledger.balance(p)).reserved for p in people]) == 10
    assert await Redemption.all().count() == 1
    assert (await verify()).ok


# -- GET /redemptions ------------------------------------------------------------------------


async def test_my_redemptions_are_paged_and_mine_only(api):
    alice = await api.login(RES)
    bob = await api.login("o-api-bob")
    await grant(amount=100)
    await grant("o-api-bob", 100)
    bag = await reward("环保袋", 10, 20)
    codes = [(await alice.post(f"/rewards/{bag.id}/redeem"))[1]["redemption"]["code"]
             for _ in range(5)]
    await bob.post(f"/rewards/{bag.id}/redeem")
    found = await pages(alice, "/redemptions", 2)
    assert [len(p["items"]) for p in found] == [2, 2, 1]
    assert [c["code"] for p in found for c in p["items"]] == codes[::-1]
    status, body = await bob.get("/redemptions")
    assert len(body["items"]) == 1 and body["items"][0]["code"] not in codes


# -- POST /redemptions/pickup ------------------------------------------------------------------


async def _redeemed(api, openid=RES, name="周大妈") -> tuple[str, int]:
    """A pending redemption of ``openid``: (code, reward id)."""
    resident = await api.login(openid, name=name)
    await grant(openid, amount=100)
    soap = await reward("洗衣液", 30, 5)
    status, body = await resident.post(f"/rewards/{soap.id}/redeem")
    assert status == 201, body
    return body["redemption"]["code"], soap.id


@pytest.mark.parametrize("role, place", [(Role.GRID_WORKER, {"grid": "G02"}),
                                         (Role.ADMIN, {})])
async def test_station_staff_hand_out_and_the_resident_hears(api, role, place):
    code, _ = await _redeemed(api)
    staff = await api.login("o-api-staff", role=role, name="王梦苏", **place)
    status, body = await staff.post("/redemptions/pickup", json={"code": code},
                                    headers=key("pick-1"))
    assert status == 200, body
    assert body["resident_name"] == "周大妈"
    card = body["redemption"]
    assert (card["code"], card["status"], card["status_text"]) == (code, "picked_up", "已领取")
    assert card["resolved_at"] is not None
    r = await Redemption.get()
    assert r.status == RedemptionStatus.PICKED_UP and r.picked_up_by == "o-api-staff"
    assert await ledger.balance(RES) == ledger.Balance(RES, 70, 0, 70)
    [notice] = await OutboxMessage.filter(openid=RES)
    assert "「洗衣液」已在繁荣社区服务站领取" in notice.payload["text"]
    # A replay answers the same, hands out nothing more and tells nobody twice.
    again = await staff.post("/redemptions/pickup", json={"code": code}, headers=key("pick-1"))
    assert again == (status, body)
    assert await OutboxMessage.filter(openid=RES).count() == 1
    other = await staff.post("/redemptions/pickup", json={"code": "000000"},
                             headers=key("pick-1"))
    assert other[0] == 422 and other[1]["error"]["code"] == "idempotency_key_reused"
    # Another request for the same code: used.
    status, body = await staff.post("/redemptions/pickup", json={"code": code})
    assert status == 409 and body["error"]["code"] == "code_used"
    assert code in body["error"]["message"]
    # The resident sees it picked up.
    resident = await api.login(RES)
    assert (await resident.get("/redemptions"))[1]["items"][0]["status"] == "picked_up"
    assert (await verify()).ok


@pytest.mark.parametrize("role, place", [
    (Role.RESIDENT, {}),
    (Role.VOLUNTEER, {}),
    (Role.PROPERTY_MANAGER, {"org": "P-other"}),
    (Role.DEPARTMENT, {"org": "D-water"}),
])
async def test_only_station_staff_may_hand_out(api, role, place):
    code, _ = await _redeemed(api)
    other = await api.login("o-api-other", role=role, **place)
    status, body = await other.post("/redemptions/pickup", json={"code": code})
    assert status == 403 and body["error"]["code"] == "forbidden"
    # Nor the resident who redeemed.
    resident = await api.login(RES)
    assert (await resident.post("/redemptions/pickup", json={"code": code}))[0] == 403
    r = await Redemption.get()
    assert r.status == RedemptionStatus.PENDING and r.picked_up_by is None
    assert await ledger.balance(RES) == ledger.Balance(RES, 100, 30, 70)
    assert await OutboxMessage.filter(openid=RES).count() == 0


async def test_staff_cannot_hand_out_their_own(api):
    code, _ = await _redeemed(api, "o-api-grid", "王梦苏")
    staff = await api.login("o-api-grid", role=Role.GRID_WORKER, grid="G01")
    status, body = await staff.post("/redemptions/pickup", json={"code": code})
    assert status == 403 and body["error"]["code"] == "not_allowed"
    assert "不能核销自己的兑换" in body["error"]["message"]
    assert (await Redemption.get()).status == RedemptionStatus.PENDING


async def test_unknown_malformed_and_expired_codes(api, monkeypatch):
    monkeypatch.setattr("rewards.redemption.new_code", lambda: "246810")
    await _redeemed(api)
    staff = await api.login("o-api-admin", role=Role.ADMIN)
    for text in ("12ab", "1234567", " "):
        status, body = await staff.post("/redemptions/pickup", json={"code": text})
        assert status == 422 and body["error"]["code"] == "bad_input", text
        assert "六位数字" in body["error"]["message"]
    for bad in ({}, {"code": ""}, {"code": 246810}, {"code": "246810", "x": 1}):
        assert (await staff.post("/redemptions/pickup", json=bad))[0] == 400, bad
    status, body = await staff.post("/redemptions/pickup", json={"code": "135790"})
    assert status == 404 and body["error"]["code"] == "unknown_code"
    clock.advance(timedelta(days=7, minutes=1))  # lapsed, not yet swept
    status, body = await staff.post("/redemptions/pickup", json={"code": "２４６８１０"})
    assert status == 409 and body["error"]["code"] == "code_expired"
    assert (await Redemption.get()).status == RedemptionStatus.PENDING
    assert await ProcessedMessage.filter(openid="o-api-admin").count() == 0


# -- subscribe grants ------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"\x0b", b"\x0c", b" \x0b\n", b"\x1c", b"\xa0"])
async def test_a_body_of_what_json_does_not_count_as_whitespace_is_malformed(api, body):
    """An empty body (or JSON's whitespace only: space, tab, CR, LF) is ``{}``; other bytes
    that Python's strip() removes (vertical tab, form feed, ...) are no JSON: 400, nothing
    recorded (found by tests/test_api_fuzz.py: a lone vertical tab was taken as ``{}``)."""
    alice = await api.login(RES)
    status, out = await alice.post("/subscriptions", data=body, headers={
        **key("sub-ws"), "Content-Type": "application/json"})
    assert status == 400 and out["error"]["code"] == "malformed_json", (status, out)
    status, out = await alice.post("/subscriptions", data=b" \t\r\n", headers={
        **key("sub-ws2"), "Content-Type": "application/json"})
    assert status == 200 and out == {"items": []}  # JSON's own whitespace: an empty body


async def test_subscribe_grants_count_once_per_key(api):
    alice = await api.login(RES)
    body = {"accepted": [SUB], "rejected": ["tpl-other"]}
    first = await alice.post("/subscriptions", json=body, headers=key("sub-1"))
    assert first == (200, {"items": [{"template_id": SUB, "remaining": 1},
                                     {"template_id": "tpl-other", "remaining": 0}]})
    assert await alice.post("/subscriptions", json=body, headers=key("sub-1")) == first
    assert await grants.remaining(RES, SUB) == 1
    status, out = await alice.post("/subscriptions", json={"accepted": [SUB, SUB]},
                                   headers=key("sub-2"))
    assert status == 200 and out["items"] == [{"template_id": SUB, "remaining": 2}]
    status, out = await alice.post("/subscriptions", json={"accepted": ["tpl-b"]},
                                   headers=key("sub-2"))
    assert status == 422 and out["error"]["code"] == "idempotency_key_reused"
    results = await asyncio.gather(*[
        alice.post("/subscriptions", json={"accepted": [SUB]}, headers=key("sub-3"))
        for _ in range(3)])
    assert {s for s, _ in results} == {200}
    assert await grants.remaining(RES, SUB) == 3
    assert await alice.get("/subscriptions") == (
        200, {"items": [{"template_id": SUB, "remaining": 3}]})
    # Rejecting records nothing; nobody else's grants are visible.
    await alice.post("/subscriptions", json={"rejected": [SUB]})
    assert await grants.remaining(RES, SUB) == 3
    bob = await api.login("o-api-bob")
    assert await bob.get("/subscriptions") == (200, {"items": []})
    assert await SubscribeGrant.filter(openid="o-api-bob").count() == 0


@pytest.mark.parametrize("body", [
    {"accepted": [""]},
    {"accepted": ["x" * 65]},
    {"accepted": ["has space"]},
    {"accepted": [7]},
    {"accepted": "sub"},
    {"accepted": [f"t{i}" for i in range(21)]},
    {"accepted": [f"t{i}" for i in range(11)], "rejected": [f"r{i}" for i in range(10)]},
    {"accepted": ["a"], "rejected": ["a"]},
    {"accepted": ["a"], "other": 1},
])
async def test_bad_template_ids_are_400(api, body):
    alice = await api.login(RES)
    status, out = await alice.post("/subscriptions", json=body)
    assert status == 400 and out["error"]["code"] == "invalid_request", body
    assert await SubscribeGrant.all().count() == 0


async def test_twenty_template_ids_and_the_longest_are_fine(api):
    alice = await api.login(RES)
    longest = "T" * 64
    status, out = await alice.post("/subscriptions", json={
        "accepted": [longest, *[f"t{i:02}" for i in range(19)]]})
    assert status == 200 and len(out["items"]) == 20
    assert await grants.remaining(RES, longest) == 1


async def test_grants_recorded_here_are_used_by_the_push_channel(make_bot, api_for, sandbox):
    bot = await make_bot(subscribe_template_progress=SUB)
    api = api_for(bot)
    alice = await api.login(RES)
    for attempt in ("s-1", "s-1", "s-2"):  # a retried report counts once
        assert (await alice.post("/subscriptions", json={"accepted": [SUB]},
                                 headers=key(attempt)))[0] == 200
    sandbox.state.grant_subscribe(RES, SUB, 2)  # what WeChat itself counted
    messenger = bot.client.app[keys.SERVICES].messenger
    for i in range(3):
        await outbox.enqueue(RES, f"您反映的问题 A{i} 已受理", key=f"n{i}", urgent=True)
        await outbox.deliver_due(messenger)
    # Not chatting (customer service refused): the two grants carried two messages.
    assert len(sent(sandbox, RES, SUBSCRIBE)) == 2
    assert await grants.remaining(RES, SUB) == 0
    assert (await alice.get("/subscriptions"))[1]["items"] == [
        {"template_id": SUB, "remaining": 0}]
    assert not await grants.take(RES, SUB)
