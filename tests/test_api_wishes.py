"""/api/v1 微心愿: posting and review, the wall and its cursor, claims (one winner among
twenty, at most three), completing with a proof photo, confirming with points once, the
volunteer profile; privacy of the beneficiary's contact; who may do what; idempotency."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.api.pagination import encode_cursor
from handlers.wishes import queries as wall
from handlers.wishes import scheduled
from rewards import ledger
from storage import clock
from storage.core.models import (
    OutboxMessage,
    Person,
    Photo,
    ProcessedMessage,
    Role,
    Volunteer,
    Wish,
    WishEvent,
    WishStatus,
)
from storage.ledger.models import Award
from tests.support.api import form, jpeg
from tests.support.wishes import person, pushed, services, staff, volunteer, wish

PHONE, ADDRESS, FULL_NAME = "13912345678", "3号楼2单元501", "周桂兰"
POST = {"title": "想要一根拐杖", "details": "腿脚不便", "kind": "goods",
        "address": "繁荣社区 3号楼2单元501", "phone": "139 1234 5678"}


@pytest.fixture
async def world(make_bot, api_for, tmp_path):
    """(api, bot): the app with a media directory, an admin and the workers of G01, G02."""
    bot = await make_bot(media_dir=tmp_path / "media")
    await staff()
    return api_for(bot), bot


def private(body: object) -> bool:
    """Whether a response shows any of the beneficiary's private details."""
    text = str(body)
    return PHONE in text or ADDRESS in text or FULL_NAME in text


async def claimed_by(api, openid: str, w: Wish) -> object:
    await volunteer(openid)
    caller = await api.login(openid)
    status, body = await caller.post(f"/wishes/{w.id}/claim")
    assert status == 200, body
    return caller


# -- posting and review -------------------------------------------------------------------


async def test_a_posted_wish_goes_to_review_then_onto_the_wall(world):
    api, bot = world
    res = await api.login("o-res", name="王大爷")
    due = (clock.local() + timedelta(days=7)).date().isoformat()
    status, body = await res.post("/wishes", json={**POST, "needed_by": due})
    assert status == 201, body
    assert (body["status"], body["number"], body["posted_by_me"]) == (
        "submitted", f"W{body['id']}", True)
    assert body["needed_by"] == due and body["community"] == "繁荣社区"
    assert body["contact"] is None and body["actions"] == ["cancel"]
    w = await Wish.get(id=body["id"])
    assert (w.phone, w.beneficiary_openid, w.on_behalf, w.grid) == (PHONE, "o-res", False, None)
    assert any(w.number in t and "待审核" in t for t in await pushed("o-admin"))

    # Not approved yet: not on the wall, and nobody else may look at it.
    stranger = await api.login("o-stranger")
    assert (await stranger.get(f"/wishes/{w.id}"))[0] == 404
    assert (await stranger.get("/wishes"))[1]["items"] == []
    assert (await res.get(f"/wishes/{w.id}"))[0] == 200

    admin = await api.login("o-admin")
    status, pending = await admin.get("/admin/wishes/pending")
    assert status == 200 and [i["number"] for i in pending["items"]] == [w.number]
    assert pending["items"][0]["poster_name"] == "王大爷" and not private(pending)
    status, body = await admin.post(f"/admin/wishes/{w.id}/approve", json={"grid": "g02"})
    assert status == 200 and body["status"] == "open" and body["grid"] == "G02"
    assert any("已通过审核" in t for t in await pushed("o-res"))
    status, body = await admin.post(f"/admin/wishes/{w.number}/approve", json={})
    assert status == 409 and body["error"]["code"] == "wrong_state"

    status, wall_page = await stranger.get("/wishes")
    assert [i["number"] for i in wall_page["items"]] == [w.number]
    assert not private(wall_page)
    # The chat sees the same wish on its wall.
    assert w.number in await bot.say("o-chat", "心愿墙")


async def test_a_grid_worker_posts_for_an_elder_with_a_photo(world):
    api, _ = world
    grid = await api.login("o-grid")
    fields = {**POST, "beneficiary": FULL_NAME, "needed_by": ""}
    status, body = await grid.post("/wishes", data=form(fields, [jpeg()]))
    assert status == 201, body
    w = await Wish.get(id=body["id"])
    assert (w.on_behalf, w.beneficiary_name, w.beneficiary_openid, w.grid, w.needed_by) == (
        True, FULL_NAME, None, "G01", None)
    photo = await Photo.get(id=w.photo_id)
    assert (photo.owner_kind, photo.owner_id) == ("wish", w.number)
    assert body["has_photo"] and body["beneficiary"] == "周**"

    # Residents post for themselves only.
    res = await api.login("o-res")
    status, body = await res.post("/wishes", json={**POST, "beneficiary": FULL_NAME})
    assert status == 403 and body["error"]["code"] == "not_allowed"
    status, body = await res.post("/wishes", json={**POST, "beneficiary": "本人"})
    assert status == 201 and not body["on_behalf"]


@pytest.mark.parametrize("change,status,code", [
    ({"title": "  拐 "}, 422, "bad_input"),
    ({"title": "拐"}, 400, "invalid_request"),
    ({"phone": "12ab"}, 422, "bad_input"),
    ({"needed_by": "2001-01-01"}, 422, "bad_input"),
    ({"needed_by": "2026-02-30"}, 400, "invalid_request"),
    ({"lat": 43.88}, 422, "bad_input"),
    ({"kind": "money"}, 400, "invalid_request"),
    ({"title": "有\x00字符"}, 400, "invalid_request"),
    ({"extra": 1}, 400, "invalid_request"),
    ({"photo_ids": ["up_not-mine"]}, 422, "unknown_photo"),
])
async def test_bad_posts_are_refused_and_change_nothing(world, change, status, code):
    api, _ = world
    res = await api.login("o-res")
    got, body = await res.post("/wishes", json={**POST, **change})
    assert (got, body["error"]["code"]) == (status, code), body
    assert body["error"]["message"]
    assert await Wish.all().count() == 0


async def test_uploads_of_the_wrong_type_or_size_are_refused(world):
    api, _ = world
    res = await api.login("o-res")
    status, body = await res.post("/wishes", data=form(POST, [b"GIF89a"],
                                                       content_type="image/gif"))
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"
    status, body = await res.post("/wishes", data=form(POST, [jpeg() + b"\0" * (10 << 20)]))
    assert status == 413
    status, body = await res.post("/wishes", data=form(POST, [jpeg(), jpeg()]))
    assert status == 400 and body["error"]["code"] == "too_many_files"
    assert await Wish.all().count() == 0 and await Photo.all().count() == 0


async def test_posting_replays_with_the_same_idempotency_key(world):
    api, _ = world
    res = await api.login("o-res")
    key = {"Idempotency-Key": "wish-post-1"}
    first = await res.post("/wishes", json=POST, headers=key)
    again = await res.post("/wishes", json=POST, headers=key)
    assert first == again and first[0] == 201
    assert await Wish.all().count() == 1
    assert await OutboxMessage.filter(openid="o-admin").count() == 1
    other = await res.post("/wishes", json={**POST, "title": "想要一把伞"}, headers=key)
    assert other[0] == 422 and other[1]["error"]["code"] == "idempotency_key_reused"
    assert await Wish.all().count() == 1


# -- privacy and who may look ---------------------------------------------------------------


async def test_contact_details_only_for_the_active_claimant(world):
    api, _ = world
    w = await wish(poster="o-res", beneficiary_openid="o-res")
    res = await api.login("o-res")
    other = await api.login("o-other")
    admin = await api.login("o-admin")
    for caller in (res, other, admin):
        status, body = await caller.get(f"/wishes/{w.number}")
        assert status == 200 and body["contact"] is None and not private(body)

    vol = await claimed_by(api, "o-vol", w)
    status, body = await vol.get(f"/wishes/{w.id}")
    assert body["contact"] == {"name": FULL_NAME, "address": "繁荣社区 " + ADDRESS,
                               "phone": PHONE}
    assert body["claimed_by_me"] and body["actions"] == ["release", "complete"]
    for caller in (res, other, admin):
        status, body = await caller.get(f"/wishes/{w.id}")
        assert body["contact"] is None and not private(body)
    for path in ("/wishes/claimed", "/wishes/claimed?active=true"):
        status, body = await vol.get(path)
        assert [i["number"] for i in body["items"]] == [w.number] and not private(body)

    assert (await vol.post(f"/wishes/{w.id}/release"))[0] == 200
    status, body = await vol.get(f"/wishes/{w.id}")
    assert body["contact"] is None and not private(body) and body["actions"] == ["claim"]


async def test_unapproved_and_cancelled_wishes_are_only_their_peoples(world):
    api, _ = world
    submitted = await wish(status=WishStatus.SUBMITTED, poster="o-res",
                           beneficiary_openid="o-res")
    rejected = await wish(status=WishStatus.REJECTED, poster="o-res", beneficiary_openid="o-res")
    await Wish.filter(id=rejected.id).update(reject_reason="请补充地址")
    await volunteer("o-vol")
    vol = await api.login("o-vol")
    for w in (submitted, rejected):
        for path in ("", "/claim", "/cancel", "/confirm"):
            method = vol.get if not path else vol.post
            status, body = await method(f"/wishes/{w.id}{path}")
            assert status == 404 and body["error"]["code"] == "unknown_wish"
    res = await api.login("o-res")
    status, body = await res.get(f"/wishes/{rejected.id}")
    assert status == 200 and body["reject_reason"] == "请补充地址"
    admin = await api.login("o-admin")
    assert (await admin.get(f"/wishes/{submitted.id}"))[0] == 200
    # Another grid's worker is nobody to this wish; its own grid's worker may confirm it.
    await Wish.filter(id=submitted.id).update(grid="G01")
    assert (await (await api.login("o-grid2")).get(f"/wishes/{submitted.id}"))[0] == 404


@pytest.mark.parametrize("path", ["/wishes/abc", "/wishes/0", "/wishes/W99",
                                  "/wishes/99999999999", "/wishes/1.5/claim"])
async def test_malformed_or_unknown_numbers_are_404(world, path):
    api, _ = world
    caller = await api.login("o-res")
    method = caller.post if path.endswith("claim") else caller.get
    status, body = await method(path)
    assert status == 404 and body["error"]["code"] in ("unknown_wish", "not_found")


async def test_everything_needs_a_session(world):
    api, _ = world
    w = await wish()
    for method, path in (("GET", "/wishes"), ("GET", f"/wishes/{w.id}"),
                         ("POST", f"/wishes/{w.id}/claim"), ("GET", "/volunteer"),
                         ("GET", "/admin/wishes/pending")):
        status, body = await api.anonymous(method, path)
        assert status == 401 and body["error"]["code"] == "unauthorized"


# -- claims -------------------------------------------------------------------------------


async def test_claiming_needs_a_volunteer_and_not_ones_own_wish(world):
    api, _ = world
    w = await wish(poster="o-res", beneficiary_openid="o-res")
    stranger = await api.login("o-stranger")
    status, body = await stranger.post(f"/wishes/{w.id}/claim")
    assert status == 403 and body["error"]["code"] == "not_volunteer"
    assert "志愿者注册" in body["error"]["message"]
    await volunteer("o-res")
    res = await api.login("o-res")
    status, body = await res.post(f"/wishes/{w.id}/claim")
    assert status == 403 and body["error"]["code"] == "not_allowed"
    assert (await Wish.get(id=w.id)).status is WishStatus.OPEN
    assert await WishEvent.filter(wish_id=w.id).count() == 0


async def test_a_volunteer_holds_at_most_three_claims(world):
    api, _ = world
    made = [await wish(title=f"心愿{i}") for i in range(4)]
    await volunteer("o-vol")
    vol = await api.login("o-vol")
    for w in made[:3]:
        assert (await vol.post(f"/wishes/{w.id}/claim"))[0] == 200
    status, body = await vol.post(f"/wishes/{made[3].id}/claim")
    assert status == 409 and body["error"]["code"] == "wrong_state"
    assert "3 个进行中的认领" in body["error"]["message"]
    assert (await Wish.get(id=made[3].id)).status is WishStatus.OPEN
    # Claiming one's own claim again is a 409 too, with the time limit.
    status, body = await vol.post(f"/wishes/{made[0].id}/claim")
    assert status == 409 and "您已经认领了" in body["error"]["message"]
    claim = await Wish.get(id=made[0].id)
    assert claim.claim_expires_at - claim.claimed_at == timedelta(hours=72)


async def test_twenty_volunteers_claim_one_wish_at_once(world):
    api, _ = world
    w = await wish()
    callers = []
    for i in range(20):
        await volunteer(f"o-v{i:02d}")
        callers.append(await api.login(f"o-v{i:02d}"))
    results = await asyncio.gather(*(c.post(f"/wishes/{w.id}/claim") for c in callers))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 19, results
    winner = next(c.openid for c, (status, _) in zip(callers, results, strict=True)
                  if status == 200)
    losers = [body for status, body in results if status == 409]
    assert all(b["error"]["code"] == "wrong_state" and "已被其他志愿者认领" in b["error"]["message"]
               for b in losers)
    w = await Wish.get(id=w.id)
    assert w.status is WishStatus.CLAIMED and w.claimant_openid == winner
    assert await WishEvent.filter(wish_id=w.id, kind="claimed").count() == 1
    assert len([t for t in await pushed("o-grid") if "认领" in t]) == 1


async def test_a_claim_replays_with_its_key(world):
    api, _ = world
    w = await wish()
    await volunteer("o-vol")
    vol = await api.login("o-vol")
    key = {"Idempotency-Key": "claim-once"}
    first = await vol.post(f"/wishes/{w.id}/claim", headers=key)
    again = await vol.post(f"/wishes/{w.id}/claim", headers=key)
    assert first == again and first[0] == 200 and first[1]["contact"]["phone"] == PHONE
    assert await WishEvent.filter(wish_id=w.id, kind="claimed").count() == 1
    assert await ProcessedMessage.filter(openid="o-vol").count() == 1
    # Without the key it is a new request: the wish is already theirs.
    assert (await vol.post(f"/wishes/{w.id}/claim"))[0] == 409


# -- completing and confirming --------------------------------------------------------------


async def test_complete_then_confirm_awards_points_once(world):
    api, bot = world
    w = await wish(poster="o-res", beneficiary_openid="o-res")
    vol = await claimed_by(api, "o-vol", w)
    other = await claimed_by(api, "o-vol2", await wish(title="别的心愿"))

    # Only the claimant completes; the proof photo is required and must be theirs.
    status, body = await other.post(f"/wishes/{w.id}/complete", data=form({}, [jpeg()]))
    assert status == 403 and body["error"]["code"] == "not_allowed"
    status, body = await vol.post(f"/wishes/{w.id}/complete", json={"note": "送到了"})
    assert status == 400
    status, body = await vol.post(f"/wishes/{w.id}/complete",
                                  json={"note": "送到了", "photo_ids": ["up_someone-else"]})
    assert status == 422 and body["error"]["code"] == "unknown_photo"
    assert (await Wish.get(id=w.id)).status is WishStatus.CLAIMED

    key = {"Idempotency-Key": "done-1"}
    done = await vol.post(f"/wishes/{w.id}/complete",
                          data=form({"note": "已把拐杖送到老人家中"}, [jpeg(color=(0, 128, 0))]), headers=key)
    assert done[0] == 200, done
    assert done[1]["status"] == "fulfilled" and done[1]["contact"] is None
    assert done[1]["proof"]["note"] == "已把拐杖送到老人家中"
    assert await vol.post(f"/wishes/{w.id}/complete", data=form(
        {"note": "已把拐杖送到老人家中"}, [jpeg(color=(0, 128, 0))]), headers=key) == done
    proof = await Photo.get(id=(await Wish.get(id=w.id)).proof_photo_id)
    assert (proof.owner_kind, proof.owner_id, proof.openid) == ("wish_proof", w.number, "o-vol")
    assert any(f"确认心愿 {w.number}" in t for t in await pushed("o-res"))

    # Confirming: not the volunteer, not a grid worker of another grid; the poster may.
    assert (await vol.post(f"/wishes/{w.id}/confirm"))[0] == 403
    grid2 = await api.login("o-grid2")
    status, body = await grid2.post(f"/wishes/{w.id}/confirm")
    assert status == 403 and body["error"]["code"] == "not_allowed"
    res = await api.login("o-res")
    status, body = await res.get(f"/wishes/{w.id}")
    assert body["actions"] == ["confirm", "dispute"] and body["proof"]["note"]
    key = {"Idempotency-Key": "confirm-1"}
    first = await res.post(f"/wishes/{w.id}/confirm", headers=key)
    assert first[0] == 200, first
    # The answer is the confirmation; the points follow once it has committed.
    assert first[1]["status"] == "confirmed"
    assert await res.post(f"/wishes/{w.id}/confirm", headers=key) == first
    status, body = await res.get(f"/wishes/{w.id}")
    assert (body["status"], body["points"]) == ("closed", 20)
    status, body = await res.post(f"/wishes/{w.id}/confirm")
    assert status == 409 and body["error"]["code"] == "wrong_state"
    assert await scheduled.award_due() == 0
    await scheduled.sweep_awards(services(bot))
    assert (await ledger.balance("o-vol")).balance == 20
    assert await Award.filter(openid="o-vol", subject=w.number).count() == 1
    kinds = [e.kind for e in await WishEvent.filter(wish_id=w.id).order_by("id")]
    assert kinds == ["claimed", "fulfilled", "confirmed", "closed"]
    assert any("20 积分" in t for t in await pushed("o-vol"))
    status, body = await vol.get("/wishes/claimed?active=true")
    assert body["items"] == []
    status, body = await vol.get("/wishes/claimed")
    assert [i["number"] for i in body["items"]] == [w.number]


async def test_the_grid_worker_confirms_for_an_elder_and_disputes(world):
    api, _ = world
    w = await wish(poster="o-grid", grid="G01")  # on behalf: no beneficiary openid
    vol = await claimed_by(api, "o-vol", w)
    status, body = await vol.post(f"/wishes/{w.id}/complete", data=form({}, [jpeg()]))
    assert status == 200 and body["proof"]["note"] == ""
    grid = await api.login("o-grid")
    status, body = await grid.post(f"/wishes/{w.id}/dispute", json={"reason": "  "})
    assert status == 422 and body["error"]["code"] == "bad_input"
    status, body = await grid.post(f"/wishes/{w.id}/dispute", json={"reason": "拐杖还没送到"})
    assert status == 200 and body["status"] == "claimed"
    assert any("拐杖还没送到" in t for t in await pushed("o-vol"))
    assert (await vol.get(f"/wishes/{w.id}"))[1]["contact"]["phone"] == PHONE
    assert (await vol.post(f"/wishes/{w.id}/complete", data=form({"note": "好了"},
                                                                 [jpeg(color=(0, 0, 255))])))[0] == 200
    # A worker of the wish's grid who did not post it may confirm too.
    await person("o-grid-b", Role.GRID_WORKER, "赵", grid="G01")
    grid_b = await api.login("o-grid-b")
    status, body = await grid_b.post(f"/wishes/{w.id}/confirm")
    assert status == 200 and body["status"] == "confirmed"
    assert (await grid_b.get(f"/wishes/{w.id}"))[1]["status"] == "closed"
    assert (await ledger.balance("o-vol")).balance == 20


async def test_cancel_by_the_poster_or_an_admin_only(world):
    api, _ = world
    w = await wish(poster="o-res", beneficiary_openid="o-res")
    vol = await claimed_by(api, "o-vol", w)
    status, body = await vol.post(f"/wishes/{w.id}/cancel")
    assert status == 403 and body["error"]["code"] == "not_allowed"
    res = await api.login("o-res")
    status, body = await res.post(f"/wishes/{w.id}/cancel")
    assert status == 200 and body["status"] == "cancelled" and body["actions"] == []
    assert any("已被撤销" in t for t in await pushed("o-vol"))
    assert (await res.post(f"/wishes/{w.id}/cancel"))[0] == 409
    assert (await (await api.login("o-other")).get(f"/wishes/{w.id}"))[0] == 404
    w2 = await wish(status=WishStatus.SUBMITTED)
    assert (await (await api.login("o-admin")).post(f"/wishes/{w2.id}/cancel"))[0] == 200


# -- moderation ---------------------------------------------------------------------------


async def test_only_admins_moderate(world):
    api, _ = world
    w = await wish(status=WishStatus.SUBMITTED)
    await person("o-prop", Role.PROPERTY_MANAGER, "钱")
    for openid in ("o-res", "o-grid", "o-prop"):
        caller = await api.login(openid)
        assert (await caller.get("/admin/wishes/pending"))[1]["error"]["code"] == "forbidden"
        status, _ = await caller.post(f"/admin/wishes/{w.id}/approve", json={})
        assert status == 403
        status, _ = await caller.post(f"/admin/wishes/{w.id}/reject", json={"reason": "不行"})
        assert status == 403
    assert (await Wish.get(id=w.id)).status is WishStatus.SUBMITTED
    admin = await api.login("o-admin")
    status, body = await admin.post(f"/admin/wishes/{w.id}/reject", json={"reason": " "})
    assert status == 422 and body["error"]["code"] == "bad_input"
    status, body = await admin.post(f"/admin/wishes/{w.id}/reject", json={"reason": "请补充地址"})
    assert status == 200 and body["status"] == "rejected" and body["reject_reason"] == "请补充地址"
    status, body = await admin.post("/admin/wishes/99999/approve", json={})
    assert status == 404 and body["error"]["code"] == "unknown_wish"
    status, body = await admin.post(f"/admin/wishes/{w.id}/approve", json={"grid": "G 1"})
    assert status == 400


async def test_the_pending_list_pages_oldest_first(world):
    api, _ = world
    made = [await wish(status=WishStatus.SUBMITTED, title=f"心愿{i}") for i in range(5)]
    await wish()  # open: not pending
    admin = await api.login("o-admin")
    status, first = await admin.get("/admin/wishes/pending", params={"limit": 3})
    assert [i["id"] for i in first["items"]] == [w.id for w in made[:3]]
    status, second = await admin.get("/admin/wishes/pending",
                                     params={"limit": 3, "cursor": first["next_cursor"]})
    assert [i["id"] for i in second["items"]] == [w.id for w in made[3:]]
    assert second["next_cursor"] is None and not private(first) and not private(second)


# -- the volunteer profile ----------------------------------------------------------------


async def test_register_and_update_the_volunteer_profile(world):
    api, _ = world
    res = await api.login("o-res")
    status, body = await res.get("/volunteer")
    assert status == 404 and body["error"]["code"] == "not_registered"
    profile = {"name": "陈晓", "phone": "", "skills": "跑腿、维修", "community": "繁荣",
               "party_member": True, "lat": 43.886, "lng": 125.318}
    key = {"Idempotency-Key": "register-1"}
    first = await res.put("/volunteer", json=profile, headers=key)
    assert first[0] == 200, first
    assert (first[1]["community"], first[1]["party_member"], first[1]["fulfilled"]) == (
        "繁荣社区", True, 0)
    assert await res.put("/volunteer", json=profile, headers=key) == first
    person_row = await Person.get(openid="o-res")
    assert (person_row.role, person_row.name) == (Role.VOLUNTEER, "陈晓")
    assert (await res.get("/volunteer"))[1] == first[1]

    status, body = await res.put("/volunteer", json={**profile, "phone": "13800001111",
                                                     "lat": None, "lng": None})
    assert status == 200 and body["phone"] == "13800001111" and body["lat"] is None
    assert await Volunteer.filter(openid="o-res").count() == 1
    for bad in ({"phone": "12"}, {"lat": None}, {"community": "社区"}, {"skills": " "}):
        status, body = await res.put("/volunteer", json={**profile, **bad})
        assert status == 422 and body["error"]["code"] == "bad_input", (bad, body)
    status, body = await res.put("/volunteer", json={**profile, "party_member": "是"})
    assert status == 400

    # Staff keep their role and gain a profile; then they may claim.
    grid = await api.login("o-grid2")
    assert (await grid.put("/volunteer", json=profile))[0] == 200
    assert (await Person.get(openid="o-grid2")).role is Role.GRID_WORKER
    assert (await grid.post(f"/wishes/{(await wish()).id}/claim"))[0] == 200


async def test_two_registrations_at_once_make_one_profile(world):
    api, _ = world
    res = await api.login("o-res")
    profile = {"name": "陈晓", "skills": "跑腿", "community": "繁荣社区", "party_member": False}
    results = await asyncio.gather(*(res.put("/volunteer", json=profile) for _ in range(3)))
    assert {status for status, _ in results} == {200}, results
    assert await Volunteer.filter(openid="o-res").count() == 1


# -- paging -------------------------------------------------------------------------------


async def test_the_wall_pages_in_the_chats_order_with_a_stable_cursor(world):
    api, _ = world
    vol_row = await volunteer("o-vol", community="繁荣社区", lat=43.886, lng=125.318)
    spots = [("和平社区", 43.8861, 125.3181), ("繁荣社区", 43.95, 125.40),
             ("繁荣社区", 43.887, 125.318), ("和平社区", None, None), ("繁荣社区", None, None),
             ("和平社区", 43.90, 125.33), ("繁荣社区", 43.8865, 125.3185)]
    for i, (community, lat, lng) in enumerate(spots):
        await wish(title=f"心愿{i}", community=community, lat=lat, lng=lng)
    chat_order = [w.number for w, _ in await wall.open_wishes(vol_row)]
    vol = await api.login("o-vol")

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        if pages:  # a later page's lat/lng does not change the order the first page began
            params.update(lat=10, lng=10)
        status, body = await vol.get("/wishes", params=params)
        assert status == 200, body
        seen += [i["number"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        if pages == 1:  # the same cursor twice gives the same page
            assert (await vol.get("/wishes", params={"limit": 3, "cursor": cursor})) == \
                   (await vol.get("/wishes", params={"limit": 3, "cursor": cursor}))
    assert pages == 3 and seen == chat_order and len(set(seen)) == 7
    first = (await vol.get("/wishes", params={"limit": 7}))[1]["items"]
    assert first[0]["distance_km"] is not None and first[0]["community"] == "繁荣社区"
    assert not private(first)

    # Near another point: nearest first within the volunteer's community, then the rest.
    status, body = await vol.get("/wishes", params={"lat": 43.95, "lng": 125.40, "limit": 1})
    assert body["items"][0]["title"] == "心愿1" and body["items"][0]["distance_km"] == 0

    # A wish claimed between pages drops out; nothing repeats, nothing is skipped.
    status, page1 = await vol.get("/wishes", params={"limit": 3})
    gone = chat_order[-1]
    await Wish.filter(id=int(gone[1:])).update(status=WishStatus.CLAIMED)
    status, page2 = await vol.get("/wishes", params={"limit": 10,
                                                     "cursor": page1["next_cursor"]})
    numbers = [i["number"] for i in page1["items"] + page2["items"]]
    assert numbers == [n for n in chat_order if n != gone]


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", encode_cursor(5),
                                    encode_cursor({"k": [0, "x", 1, 2], "o": None, "c": None}),
                                    encode_cursor({"k": [0, 1.5, 1], "o": None, "c": None}),
                                    encode_cursor({"k": [0, 1.5, 1, 2], "o": [1], "c": None})])
async def test_a_bad_wall_cursor_is_400(world, cursor):
    api, _ = world
    caller = await api.login("o-res")
    status, body = await caller.get("/wishes", params={"cursor": cursor})
    assert status == 400 and body["error"]["code"] == "bad_cursor"


async def test_half_a_point_or_a_point_off_the_map_is_400(world):
    api, _ = world
    caller = await api.login("o-res")
    for params in ({"lat": 43.8}, {"lat": 91, "lng": 0}, {"lat": "x", "lng": 1}):
        assert (await caller.get("/wishes", params=params))[0] == 400


async def test_my_wishes_and_my_claims_page_newest_first(world):
    api, _ = world
    mine = [await wish(poster="o-res", beneficiary_openid="o-res", title=f"我的{i}")
            for i in range(3)]
    await wish(poster="o-grid", title="别人的")
    on_behalf = await wish(poster="o-grid", beneficiary_openid="o-res", title="为我发布的")
    res = await api.login("o-res")
    status, first = await res.get("/wishes/mine", params={"limit": 2})
    status, second = await res.get("/wishes/mine", params={"limit": 2,
                                                           "cursor": first["next_cursor"]})
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert ids == [on_behalf.id, *(w.id for w in reversed(mine))]
    assert second["next_cursor"] is None
    for cursor in ("nope!", encode_cursor("12"), encode_cursor(2**40), encode_cursor(-1)):
        status, body = await res.get("/wishes/mine", params={"cursor": cursor})
        assert status == 400 and body["error"]["code"] == "bad_cursor"

    made = [await wish(title=f"认领{i}") for i in range(3)]
    await volunteer("o-vol")
    vol = await api.login("o-vol")
    for w in made:
        assert (await vol.post(f"/wishes/{w.id}/claim"))[0] == 200
    status, first = await vol.get("/wishes/claimed", params={"limit": 2})
    status, second = await vol.get("/wishes/claimed", params={"limit": 2,
                                                              "cursor": first["next_cursor"]})
    assert [i["id"] for i in first["items"] + second["items"]] == [w.id for w in reversed(made)]
    assert all(i["claim_expires_at"] for i in first["items"]) and not private(first)
