"""/api/v1 随手拍 for residents: categories, reporting, nearby and +1, my reports, one case,
and the reporter's answer (confirm / rate / reopen) - the chat's use cases over HTTP."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

import aiohttp
import pytest

from handlers.geo.demo import load_geo_demo
from handlers.reports.lifecycle import transition
from handlers.reports.service.cases import submit_case
from rewards import ledger
from storage import clock
from storage.core.models import OutboxMessage, Person, Photo, ProcessedMessage, Role
from storage.ledger.models import Award
from storage.reports.models import Case, CaseEvent, CaseStatus, Supporter
from tests.support.api import form, jpeg

IN_G01 = (43.8860, 125.3180)  # 明珠小区, grid G01 (长春万科物业 · 明珠小区)
NEAR_G01 = (43.8862, 125.3181)  # about 25 m away
HERE = {"lat": NEAR_G01[0], "lng": NEAR_G01[1]}  # where a neighbour +1s from
FAR = (43.8838, 125.3175)  # grid G02, some 250 m away
WANKE = "长春万科物业 · 明珠小区"
ANJU = "长春安居物业 · 和顺小区"
RES, RES2, RES3 = "o-res", "o-res2", "o-res3"


@pytest.fixture
async def rbot(make_bot, tmp_path):
    bot = await make_bot(media_dir=tmp_path / "media")
    await load_geo_demo()
    await Person.create(openid="demo-grid-g01", role=Role.GRID_WORKER, name="王梦苏", grid="G01")
    return bot


@pytest.fixture
def api(rbot, api_for):
    return api_for(rbot)


def colour(n: int) -> tuple[int, int, int]:
    return (n * 37 % 256, n * 91 % 256, n * 53 % 256)


async def upload(caller, n: int = 1) -> str:
    status, body = await caller.post("/photos", data=form({}, [jpeg(color=colour(n))],
                                                          field="file"))
    assert status == 201, body
    return body["id"]


async def create(caller, n: int = 1, category: str = "garbage", at=IN_G01, **fields):
    """A report through the API, with one uploaded photo (multipart)."""
    data = {"category": category, "description": "楼下垃圾堆了三天", "lat": at[0],
            "lng": at[1], **fields}
    return await caller.post("/reports", data=form(data, [jpeg(color=colour(n))]))


async def direct(reporter: str = RES, category: str = "garbage", at=IN_G01) -> Case:
    """A case made straight through the use case (for lists and authorization)."""
    return await submit_case(reporter_openid=reporter, category_code=category,
                             description="井盖没了", lat=at[0], lng=at[1], address="人民大街",
                             building_code=None, media_ids=[])


async def resolve(number: str, by: str = "demo-grid-g01") -> Case:
    case = await Case.get(number=number)
    await transition(case, "accept", by, fields={"accepted_at": clock.now()})
    now = clock.now()
    await transition(case, "resolve", by, note="已清运", fields={
        "resolved_at": now, "confirm_due_at": now + timedelta(hours=72)})
    return await Case.get(number=number)


# -- categories ---------------------------------------------------------------------------


async def test_categories_lists_the_active_ones_in_order(api):
    alice = await api.login(RES)
    status, body = await alice.get("/categories")
    assert status == 200
    codes = [c["code"] for c in body["items"]]
    assert codes[0] == "road_damage" and codes[-1] == "other" and "garbage" in codes
    garbage = next(c for c in body["items"] if c["code"] == "garbage")
    assert garbage["name"] == "垃圾堆放" and garbage["responsible"] == "grid"
    assert garbage["responsible_name"] == "网格员"
    assert (await api.anonymous("GET", "/categories"))[0] == 401


async def test_category_suggestions_for_a_description(api):
    alice = await api.login(RES)
    status, body = await alice.get("/categories/suggest", params={"text": "井盖丢了很危险"})
    assert status == 200
    assert body["items"][0]["category"]["code"] == "manhole_cover"
    assert "井盖" in body["items"][0]["words"]
    status, body = await alice.get("/categories/suggest", params={"text": "嗯"})
    assert status == 200 and body["items"][-1]["category"]["code"] == "other"
    assert (await alice.get("/categories/suggest"))[0] == 400


# -- reporting ------------------------------------------------------------------------------


async def test_report_with_an_uploaded_photo_is_dispatched_like_the_chat(api):
    alice = await api.login(RES)
    status, body = await create(alice, address="明珠小区东门")
    assert status == 201, body
    number = body["number"]
    assert body["status"] == "dispatched" and body["my_role"] == "reporter"
    assert body["category_name"] == "垃圾堆放" and body["grid"] == "G01"
    assert body["address"] == "明珠小区东门" and body["photo_count"] == 1
    assert [e["action"] for e in body["timeline"]] == ["submit", "dispatch"]
    assert body["timeline"][1]["note"].startswith("分拨至")
    assert body["created_at"].endswith("+08:00")
    assert body["actions"] == [] and RES not in str(body)
    case = await Case.get(number=number)
    assert case.reporter_openid == RES and case.assignee_openid == "demo-grid-g01"
    photo = await Photo.get(id=body["photo_ids"][0])
    assert (photo.owner_kind, photo.owner_id, photo.openid) == ("report", number, RES)
    assert await OutboxMessage.filter(openid="demo-grid-g01").exists()  # the grid worker heard


async def test_report_with_photo_ids_from_post_photos(api):
    alice = await api.login(RES)
    ids = [await upload(alice, 1), await upload(alice, 2)]
    status, body = await alice.post("/reports", json={
        "photo_ids": ids, "category": "manhole_cover", "lat": IN_G01[0], "lng": IN_G01[1]})
    assert status == 201, body
    assert body["photo_count"] == 2 and body["description"] == ""
    assert body["address"] == "43.88600,125.31800"  # a bare point, labelled as in chat
    # used once: the same ids cannot make a second case
    status, body = await alice.post("/reports", json={
        "photo_ids": ids[:1], "category": "garbage", "lat": IN_G01[0], "lng": IN_G01[1]})
    assert status == 422 and body["error"]["code"] == "unknown_photo"


async def test_the_create_answers_the_case_as_it_reads_back(api):
    """The create builds its answer from what it did (no supporters yet, the uploads it
    adopted): the same document GET /reports/{number} reads from the database."""
    alice = await api.login(RES)
    ids = [await upload(alice, 3), await upload(alice, 4)]
    status, created = await alice.post("/reports", json={
        "photo_ids": ids, "category": "garbage", "lat": IN_G01[0], "lng": IN_G01[1],
        "description": "楼下垃圾堆了三天"}, headers={"Idempotency-Key": "same-view-1"})
    assert status == 201, created
    status, read = await alice.get(f"/reports/{created['number']}")
    assert status == 200 and created == read
    assert created["photo_count"] == 2 and created["holder"]
    status, multipart = await create(alice, 5)
    assert status == 201 and multipart == (await alice.get(f"/reports/{multipart['number']}"))[1]


async def test_an_upload_of_a_picture_stored_before_is_marked_reused(api):
    """Adopting an upload flags the same content already stored for another owner (no
    points for it), never an upload or the new owner's own photos."""
    alice = await api.login(RES)
    bob = await api.login(RES2)
    first, again, mine_too = await upload(alice, 7), await upload(bob, 7), await upload(bob, 7)
    assert (await Photo.get(media_id=again)).reused is False  # an upload is nobody's yet
    status, one = await alice.post("/reports", json={
        "photo_ids": [first], "category": "garbage", "lat": IN_G01[0], "lng": IN_G01[1]})
    assert status == 201, one
    status, two = await bob.post("/reports", json={
        "photo_ids": [again, mine_too], "category": "manhole_cover", "lat": FAR[0],
        "lng": FAR[1]})
    assert status == 201, two
    original = await Photo.get(media_id=first)
    assert (original.owner_id, original.reused, original.reused_of_id) == (
        one["number"], False, None)
    for media_id in (again, mine_too):
        photo = await Photo.get(media_id=media_id)
        assert (photo.owner_kind, photo.owner_id, photo.openid) == ("report", two["number"], RES2)
        assert photo.reused and photo.reused_of_id == original.id


async def test_someone_elses_upload_or_a_made_up_id_is_refused(api):
    alice = await api.login(RES)
    bob = await api.login(RES2)
    theirs = await upload(bob)
    for ids in ([theirs], ["wechat-media-id-123"]):
        status, body = await alice.post("/reports", json={
            "photo_ids": ids, "category": "garbage", "lat": IN_G01[0], "lng": IN_G01[1]})
        assert status == 422 and body["error"]["code"] == "unknown_photo"
    assert not await Case.exists()
    assert (await Photo.get(media_id=theirs)).owner_kind == "upload"


async def test_report_at_my_building(api):
    alice = await api.login(RES, building="b12-1")
    status, body = await alice.post("/reports", data=form(
        {"category": "stairwell", "use_building": "true"}, [jpeg()]))
    assert status == 201, body
    assert body["building"] == "B12-1" and body["grid"] == "G01"
    assert body["address"] == "明珠小区1号楼"
    case = await Case.get(number=body["number"])
    assert case.property_org == WANKE
    bob = await api.login(RES2)
    status, body = await bob.post("/reports", data=form(
        {"category": "garbage", "use_building": "true"}, [jpeg()]))
    assert status == 409 and body["error"]["code"] == "no_building"
    status, body = await alice.post("/reports", data=form(
        {"category": "garbage", "use_building": "true", "lat": 43.9, "lng": 125.3}, [jpeg()]))
    assert status == 422 and body["error"]["code"] == "bad_input"
    status, body = await alice.post("/reports", data=form({"category": "garbage"}, [jpeg()]))
    assert status == 422 and body["error"]["code"] == "bad_input"
    assert await Case.all().count() == 1


@pytest.mark.parametrize("fields,status,code", [
    ({"category": "nope"}, 422, "unknown_category"),
    ({"description": "长" * 301}, 400, "invalid_request"),
    ({"lat": 95}, 400, "invalid_request"),
    ({"lat": "nan"}, 400, "invalid_request"),
    ({"extra": "x"}, 400, "invalid_request"),
])
async def test_bad_report_fields(api, fields, status, code):
    alice = await api.login(RES)
    got, body = await create(alice, **fields)
    assert got == status and body["error"]["code"] == code, body
    assert not await Case.exists()
    assert not await Photo.exists()  # a refused request stores nothing


@pytest.mark.parametrize("fields", [
    {"description": "井盖\u0000没了"}, {"address": "\ud800"}, {"category": "g\u0000"},
    {"photo_ids": ["up_\u0000"]}, {"photo_ids": [""]}, {"category": "Garbage"},
])
async def test_text_the_database_cannot_store_is_a_400(api, fields):
    alice = await api.login(RES)
    status, body = await alice.post("/reports", json={
        "photo_ids": ["up_x"], "category": "garbage", "lat": IN_G01[0], "lng": IN_G01[1],
        **fields})
    assert status == 400 and body["error"]["code"] == "invalid_request"
    status, body = await alice.get("/reports/nearby", params={
        "category": fields.get("category", "g\u0000"), "lat": 43.9, "lng": 125.3})
    assert status == 400


async def test_report_photos_are_required_and_checked(api):
    alice = await api.login(RES)
    fields = {"category": "garbage", "lat": IN_G01[0], "lng": IN_G01[1]}
    status, body = await alice.post("/reports", data=form(fields, []))
    assert status == 415  # no file: a url-encoded form, neither multipart nor JSON
    no_files = aiohttp.FormData(default_to_multipart=True)
    for name, value in fields.items():
        no_files.add_field(name, str(value))
    status, body = await alice.post("/reports", data=no_files)
    assert status == 400 and body["error"]["code"] == "invalid_request"
    status, body = await alice.post("/reports", data=form(fields, [jpeg()] * 4))
    assert status == 400 and body["error"]["code"] == "too_many_files"
    status, body = await alice.post("/reports", data=form(fields, [b"GIF89a..."],
                                                          content_type="image/gif"))
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"
    status, body = await alice.post("/reports", data=form(fields, [b"%PDF-1.4 not a photo"]))
    assert status == 415
    big = jpeg() + b"\0" * (10 * 1024 * 1024)
    status, body = await alice.post("/reports", data=form(fields, [big]))
    assert status == 413 and body["error"]["code"] == "payload_too_large"
    status, body = await alice.post("/reports", json={**fields, "photo_ids": []})
    assert status == 400
    assert not await Case.exists() and not await Photo.exists()


async def test_report_idempotency_key(api):
    alice = await api.login(RES)
    key = {"Idempotency-Key": "report-1"}
    fields = {"category": "garbage", "lat": IN_G01[0], "lng": IN_G01[1]}
    first = await alice.post("/reports", data=form(fields, [jpeg()]), headers=key)
    again = await alice.post("/reports", data=form(fields, [jpeg()]), headers=key)
    assert first[0] == 201 and first == again
    assert await Case.all().count() == 1 and await Photo.all().count() == 1
    other = await alice.post("/reports", data=form({**fields, "description": "另一个"},
                                                   [jpeg()]), headers=key)
    assert other[0] == 422 and other[1]["error"]["code"] == "idempotency_key_reused"
    # at once, with one key: one case
    key2 = {"Idempotency-Key": "report-2"}
    results = await asyncio.gather(*[
        alice.post("/reports", data=form(fields, [jpeg(color=(9, 9, 9))]), headers=key2)
        for _ in range(3)])
    assert {r[0] for r in results} == {201} and len({r[1]["number"] for r in results}) == 1
    assert await Case.all().count() == 2


# -- nearby and +1 --------------------------------------------------------------------------


async def test_nearby_offers_open_cases_of_the_category_without_the_reporter(api):
    alice = await api.login(RES)
    bob = await api.login(RES2)
    number = (await create(alice))[1]["number"]
    params = {"category": "garbage", "lat": NEAR_G01[0], "lng": NEAR_G01[1]}
    status, body = await bob.get("/reports/nearby", params=params)
    assert status == 200
    [card] = body["items"]
    assert card["number"] == number and 0 < card["distance_m"] < 100
    assert card["mine"] is False and card["supported"] is False
    assert RES not in str(body) and "reporter" not in str(body)
    assert (await alice.get("/reports/nearby", params=params))[1]["items"][0]["mine"] is True
    assert (await bob.get("/reports/nearby", params={**params, "category": "manhole_cover"})
            )[1]["items"] == []
    assert (await bob.get("/reports/nearby", params={
        **params, "lat": FAR[0], "lng": FAR[1]}))[1]["items"] == []
    status, body = await bob.get("/reports/nearby", params={**params, "category": "nope"})
    assert status == 422 and body["error"]["code"] == "unknown_category"
    status, body = await bob.get("/reports/nearby", params={**params, "lat": "north"})
    assert status == 400 and body["error"]["code"] == "invalid_request"
    await resolve(number)  # no longer open: no longer offered
    assert (await bob.get("/reports/nearby", params=params))[1]["items"] == []


async def test_support_adds_a_supporter_once(api):
    alice = await api.login(RES)
    bob = await api.login(RES2)
    number = (await create(alice))[1]["number"]
    status, body = await bob.get(f"/reports/{number}")
    assert status == 404  # not bob's to see yet
    photo = await upload(bob, 7)
    status, body = await bob.post(f"/reports/{number}/support", json={"photo_ids": [photo], **HERE})
    assert status == 200, body
    assert body["supported"] is True and body["added"] is True and "+1" in body["message"]
    assert body["case"]["my_role"] == "supporter" and body["case"]["supporters_count"] == 1
    assert body["case"]["photo_count"] == 1  # bob's own: the reporter's is not his to see
    assert await Photo.filter(owner_id=number, owner_kind="report").count() == 2
    status, body = await bob.post(f"/reports/{number}/support", json={})  # known: no place
    assert status == 200 and body["added"] is False and body["supported"] is True
    assert body["case"]["supporters_count"] == 1
    assert await Supporter.filter(case__number=number).count() == 1
    assert (await bob.get(f"/reports/{number}"))[0] == 200  # now bob follows it
    status, body = await alice.post(f"/reports/{number}/support", json={})
    assert status == 409 and body["error"]["code"] == "own_case"
    status, body = await bob.post("/reports/A9999/support", json=HERE)
    assert status == 404 and body["error"]["code"] == "unknown_case"


async def test_support_of_a_case_no_longer_open(api):
    alice = await api.login(RES)
    bob = await api.login(RES2)
    carol = await api.login(RES3)
    number = (await create(alice))[1]["number"]
    assert (await bob.post(f"/reports/{number}/support", json=HERE))[0] == 200
    await resolve(number)
    status, body = await bob.post(f"/reports/{number}/support", json={})
    assert status == 409 and body["error"]["code"] == "wrong_state"
    status, body = await carol.post(f"/reports/{number}/support", json=HERE)
    assert status == 404  # carol may not learn anything about a case she cannot see


async def test_support_idempotency_key(api):
    alice = await api.login(RES)
    bob = await api.login(RES2)
    number = (await create(alice))[1]["number"]
    key = {"Idempotency-Key": "plus-one"}
    first = await bob.post(f"/reports/{number}/support", json=HERE, headers=key)
    again = await bob.post(f"/reports/{number}/support", json=HERE, headers=key)
    assert first == again and first[1]["added"] is True
    assert await CaseEvent.filter(action="support").count() == 1
    photo = await upload(bob, 3)
    other = await bob.post(f"/reports/{number}/support", json={"photo_ids": [photo]},
                           headers=key)
    assert other[0] == 422 and other[1]["error"]["code"] == "idempotency_key_reused"


# -- my reports -----------------------------------------------------------------------------


async def test_my_reports_are_paged_newest_first(api):
    alice = await api.login(RES)
    mine = [(await direct()).number for _ in range(5)]
    other = await direct(RES2)
    status, first = await alice.get("/reports/mine", params={"limit": 2})
    assert status == 200
    assert [c["number"] for c in first["items"]] == mine[:-3:-1]
    assert all(c["role"] == "reporter" for c in first["items"])
    cursor = first["next_cursor"]
    second = (await alice.get("/reports/mine", params={"limit": 2, "cursor": cursor}))[1]
    await direct()  # a new case does not shift the pages already handed out
    assert (await alice.get("/reports/mine", params={"limit": 2, "cursor": cursor}))[1] == second
    third = (await alice.get("/reports/mine", params={"limit": 2,
                                                       "cursor": second["next_cursor"]}))[1]
    assert third["next_cursor"] is None
    seen = [c["number"] for c in first["items"] + second["items"] + third["items"]]
    assert seen == mine[::-1] and other.number not in seen
    huge = base64.urlsafe_b64encode(b"100000000000000000000").decode()
    for bad in ("garbage!", "InRydWUi", "eyJhIjoxfQ", huge, "LTE"):  # not JSON, a string,
        # an object, an id past any case's, -1
        status, body = await alice.get("/reports/mine", params={"cursor": bad})
        assert status == 400 and body["error"]["code"] == "bad_cursor"
    assert (await alice.get("/reports/mine", params={"limit": 0}))[0] == 400


async def test_my_reports_by_role(api):
    alice = await api.login(RES)
    bob = await api.login(RES2)
    reported = await direct(RES2)
    supported = await direct(RES)
    assert (await bob.post(f"/reports/{supported.number}/support", json=HERE))[0] == 200
    status, body = await bob.get("/reports/mine", params={"role": "supported"})
    assert [(c["number"], c["role"]) for c in body["items"]] == [(supported.number, "supporter")]
    status, body = await bob.get("/reports/mine", params={"role": "all"})
    assert [c["number"] for c in body["items"]] == [supported.number, reported.number]
    status, body = await bob.get("/reports/mine")
    assert [c["number"] for c in body["items"]] == [reported.number]
    assert (await alice.get("/reports/mine", params={"role": "supported"}))[1]["items"] == []
    assert (await bob.get("/reports/mine", params={"role": "everyone"}))[0] == 400


# -- one case: who may see it ---------------------------------------------------------------


async def test_who_may_see_a_case(api):
    manager = await api.login("o-pm", role=Role.PROPERTY_MANAGER, org=WANKE)
    case = await direct(category="sewer")  # the property's: 明珠小区, 长春万科物业
    assert (case.responsible, case.assignee_openid) == ("property", "o-pm")
    await Supporter.create(case_id=case.id, openid=RES2)
    path = f"/reports/{case.number}"
    seen = {
        "reporter": await api.login(RES),
        "supporter": await api.login(RES2),
        "grid worker of G01": await api.login("demo-grid-g01"),
        "its property manager": manager,
        "admin": await api.login("o-admin", role=Role.ADMIN),
    }
    hidden = {
        "another resident": await api.login(RES3),
        "a volunteer": await api.login("o-vol", role=Role.VOLUNTEER),
        "grid worker of G03": await api.login("o-g03", role=Role.GRID_WORKER, grid="G03"),
        "another property manager": await api.login("o-pm2", role=Role.PROPERTY_MANAGER,
                                                    org=ANJU),
        "a department": await api.login("o-dept", role=Role.DEPARTMENT, org="某局"),
    }
    for who, caller in seen.items():
        status, body = await caller.get(path)
        assert status == 200, who
        assert body["number"] == case.number and "timeline" in body
    roles = {who: (await c.get(path))[1]["my_role"] for who, c in seen.items()}
    assert roles["reporter"] == "reporter" and roles["supporter"] == "supporter"
    assert roles["admin"] == "staff"
    for who, caller in hidden.items():
        status, body = await caller.get(path)
        assert status == 404 and body["error"]["code"] == "unknown_case", who
    unknown = (await hidden["another resident"].get("/reports/A99999"))[1]["error"]
    not_theirs = (await hidden["another resident"].get(path))[1]["error"]
    assert unknown["message"].replace("A99999", case.number) == not_theirs["message"]
    assert (await api.anonymous("GET", path))[0] == 401


@pytest.mark.parametrize("number", ["xyz", "A", "A12345678901234", "1001", "%E4%B8%AD"])
async def test_a_malformed_number_is_404(api, number):
    alice = await api.login(RES)
    status, body = await alice.get(f"/reports/{number}")
    assert status == 404 and body["error"]["code"] in ("unknown_case", "not_found")
    status, body = await alice.post(f"/reports/{number}/confirm", json={})
    assert status == 404


async def test_a_case_number_is_read_leniently(api):
    alice = await api.login(RES)
    case = await direct()
    status, body = await alice.get(f"/reports/{case.number.lower()}")
    assert status == 200 and body["number"] == case.number


# -- the reporter's answer ------------------------------------------------------------------


async def test_confirm_closes_with_points_for_reporter_and_supporters(api):
    alice = await api.login(RES)
    bob = await api.login(RES2)
    number = (await create(alice))[1]["number"]
    photo = await upload(bob, 5)
    assert (await bob.post(f"/reports/{number}/support", json={"photo_ids": [photo], **HERE}))[0] == 200
    status, body = await alice.post(f"/reports/{number}/confirm", json={})
    assert status == 409 and body["error"]["code"] == "wrong_state"  # not resolved yet
    await resolve(number)
    detail = (await alice.get(f"/reports/{number}"))[1]
    assert detail["actions"] == ["confirm", "rate", "reopen"] and detail["confirm_due_at"]
    assert (await bob.get(f"/reports/{number}"))[1]["actions"] == []
    status, body = await bob.post(f"/reports/{number}/confirm", json={})
    assert status == 403 and body["error"]["code"] == "not_allowed"
    status, body = await alice.post(f"/reports/{number}/confirm", json={})
    assert status == 200, body
    assert "已办结" in body["message"] and "5 分" in body["message"]
    assert body["case"]["status"] == "closed" and body["case"]["rating"] == 5
    assert body["case"]["timeline"][-1]["action"] == "confirm"
    assert (await ledger.balance(RES)).balance == 11  # +10 reporter, +1 rating
    assert (await ledger.balance(RES2)).balance == 2
    status, body = await alice.post(f"/reports/{number}/confirm", json={})
    assert status == 409 and body["error"]["code"] == "wrong_state"
    assert (await ledger.balance(RES)).balance == 11


async def test_not_satisfied_closes_with_one(api):
    alice = await api.login(RES)
    number = (await create(alice))[1]["number"]
    await resolve(number)
    status, body = await alice.post(f"/reports/{number}/confirm", json={"satisfied": False})
    assert status == 200 and body["case"]["rating"] == 1 and "改进" in body["message"]


async def test_rate_with_a_comment(api):
    alice = await api.login(RES)
    number = (await create(alice))[1]["number"]
    await resolve(number)
    for bad in ({"score": 6}, {"score": 0}, {}, {"score": "4"}, {"score": 4, "comment": "x" * 201}):
        status, body = await alice.post(f"/reports/{number}/rate", json=bad)
        assert status == 400, bad
    status, body = await alice.post(f"/reports/{number}/rate",
                                    json={"score": 4, "comment": "清得很干净"})
    assert status == 200 and body["case"]["rating"] == 4
    assert body["case"]["timeline"][-1]["note"] == "评分 4 分：清得很干净"
    assert (await Case.get(number=number)).status is CaseStatus.CLOSED
    assert (await ledger.balance(RES)).balance == 11


async def test_confirm_idempotency_key_awards_once(api):
    alice = await api.login(RES)
    number = (await create(alice))[1]["number"]
    await resolve(number)
    key = {"Idempotency-Key": "thanks"}
    first = await alice.post(f"/reports/{number}/rate", json={"score": 5}, headers=key)
    again = await alice.post(f"/reports/{number}/rate", json={"score": 5}, headers=key)
    assert first == again and first[0] == 200
    assert await CaseEvent.filter(action="confirm").count() == 1
    assert await Award.filter(openid=RES).count() == 2 and (await ledger.balance(RES)).balance == 11
    assert await ProcessedMessage.filter(openid=RES).count() == 2  # the report, the rating
    other = await alice.post(f"/reports/{number}/rate", json={"score": 3}, headers=key)
    assert other[0] == 422 and other[1]["error"]["code"] == "idempotency_key_reused"


async def test_reopen_sends_it_back_with_an_escalation(api):
    alice = await api.login(RES)
    bob = await api.login(RES2)
    number = (await create(alice))[1]["number"]
    await resolve(number)
    status, body = await bob.post(f"/reports/{number}/reopen", json={})
    assert status == 404  # bob is neither reporter nor supporter
    before = await OutboxMessage.filter(openid="demo-grid-g01").count()
    status, body = await alice.post(f"/reports/{number}/reopen", json={"reason": "还是很脏"})
    assert status == 200, body
    assert "重新打开" in body["message"]
    case = body["case"]
    assert case["status"] == "dispatched" and case["reopen_count"] == 1
    assert [e["action"] for e in case["timeline"]][-3:] == ["reopen", "dispatch", "escalate"]
    assert case["timeline"][-3]["note"] == "还是很脏"  # the action names the reopen (issue 14)
    assert await OutboxMessage.filter(openid="demo-grid-g01").count() > before
    assert (await Case.get(number=number)).escalation_level == 1
    status, body = await alice.post(f"/reports/{number}/reopen", json={})
    assert status == 409 and body["error"]["code"] == "wrong_state"
    assert (await ledger.balance(RES)).balance == 0


async def test_staff_who_see_a_case_still_cannot_answer_for_the_reporter(api):
    alice = await api.login(RES)
    grid = await api.login("demo-grid-g01")
    number = (await create(alice))[1]["number"]
    await resolve(number)
    for action in ("confirm", "reopen"):
        status, body = await grid.post(f"/reports/{number}/{action}", json={})
        assert status == 403 and body["error"]["code"] == "not_allowed"
    assert (await Case.get(number=number)).status is CaseStatus.RESOLVED


async def test_the_chat_and_the_api_see_the_same_case(api, rbot):
    alice = await api.login(RES)
    number = (await create(alice))[1]["number"]
    await resolve(number)
    detail = (await alice.get(f"/reports/{number}"))[1]
    assert [e["action_name"] for e in detail["timeline"]] == ["上报", "分拨", "接单", "处理完成"]
    assert detail["status_name"] == "已办结，待评价"
    chat = await rbot.say(RES, f"查 {number}")
    assert all(e["action_name"] in chat for e in detail["timeline"]) and "满意" in chat
    assert number in await rbot.say(RES, "我的上报")
    assert "已办结" in await rbot.say(RES, "满意")  # answered in chat, seen in the API
    detail = (await alice.get(f"/reports/{number}"))[1]
    assert detail["status"] == "closed" and detail["rating"] == 5 and detail["actions"] == []
    assert (await ledger.balance(RES)).balance == 11


async def test_openapi_declares_the_report_operations(api):
    status, doc = await api.anonymous("GET", "/openapi.json")
    assert status == 200
    create_op = doc["paths"]["/reports"]["post"]
    assert {"201", "400", "401", "409", "413", "415", "422"} <= set(create_op["responses"])
    assert "multipart/form-data" in create_op["requestBody"]["content"]
    assert "404" in doc["paths"]["/reports/{number}"]["get"]["responses"]
    assert "403" in doc["paths"]["/reports/{number}/confirm"]["post"]["responses"]
    roles = doc["paths"]["/reports/mine"]["get"]["parameters"]
    assert {p["name"] for p in roles} >= {"limit", "cursor", "role"}
