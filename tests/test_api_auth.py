"""/api/v1 sign-in, sessions, the error shape, rate limits and photo uploads."""

from __future__ import annotations

import asyncio

import pytest

from bot import keys
from storage import sessions
from storage.core.models import Person, Photo, ProcessedMessage, Role
from storage.kv import KV, create_redis
from tests.support.api import PREFIX, form, jpeg
from tests.support.cli import run_cli


async def test_login_with_a_wx_login_code_gives_a_session(api):
    code = api.sandbox.issue_login_code("o-mini-1")
    status, body = await api.anonymous("POST", "/auth/login", json={"code": code})
    assert status == 200
    assert body["person"]["role"] == "resident"
    assert body["expires_in"] > 0
    assert "session_key" not in str(body)
    assert await Person.filter(openid="o-mini-1").exists()
    status, me = await api.anonymous("GET", "/me", headers={
        "Authorization": f"Bearer {body['token']}"})
    assert status == 200 and me["role"] == "resident"


async def test_a_bad_code_and_a_reused_code_are_refused(api):
    status, body = await api.anonymous("POST", "/auth/login", json={"code": "nonsense"})
    assert status == 400 and body["error"]["code"] == "invalid_code"
    code = api.sandbox.issue_login_code("o-mini-2")
    assert (await api.anonymous("POST", "/auth/login", json={"code": code}))[0] == 200
    status, body = await api.anonymous("POST", "/auth/login", json={"code": code})
    assert status == 400 and body["error"]["code"] == "code_used"
    assert body["error"]["message"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic abc"])
async def test_no_or_a_wrong_token_is_401(api, header):
    headers = {"Authorization": header} if header else {}
    resp = await api.client.get(PREFIX + "/me", headers=headers)
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    body = await resp.json()
    assert body["error"]["code"] in ("unauthorized", "session_expired")


async def test_logout_revokes_the_token(api):
    alice = await api.login("o-mini-3")
    assert (await alice.get("/me"))[0] == 200
    assert (await alice.post("/auth/logout"))[0] == 204
    status, body = await alice.get("/me")
    assert status == 401 and body["error"]["code"] == "session_expired"


async def test_the_role_is_read_fresh_on_every_request(api):
    alice = await api.login("o-mini-4")
    assert (await alice.get("/me"))[1]["role"] == "resident"
    await Person.filter(openid="o-mini-4").update(role=Role.GRID_WORKER, grid="G01")
    status, me = await alice.get("/me")
    assert me["role"] == "grid_worker" and me["is_staff"] and me["grid"] == "G01"


@pytest.mark.parametrize("body,code", [(b"{not json", "malformed_json"),
                                       (b"[1, 2]", "invalid_request"),
                                       (b'{"code": 5}', "invalid_request"),
                                       (b'{"code": "x", "extra": 1}', "invalid_request")])
async def test_malformed_json_is_a_400_in_the_error_shape(api, body, code):
    resp = await api.client.post(PREFIX + "/auth/login", data=body,
                                 headers={"Content-Type": "application/json"})
    assert resp.status == 400
    doc = await resp.json()
    assert doc["error"]["code"] == code and doc["error"]["message"]


async def test_json_body_with_another_content_type_is_415(api):
    resp = await api.client.post(PREFIX + "/auth/login", data=b"code=abc",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 415
    assert (await resp.json())["error"]["code"] == "unsupported_media_type"


async def test_unknown_paths_and_methods_answer_json(api):
    status, body = await api.anonymous("GET", "/nothing-here")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = await api.anonymous("DELETE", "/auth/login")
    assert status in (404, 405) and "error" in body


async def test_the_openapi_document_is_served(api):
    status, doc = await api.anonymous("GET", "/openapi.json")
    assert status == 200
    assert doc["openapi"] == "3.1.0"
    assert "/auth/login" in doc["paths"] and "/photos" in doc["paths"]
    assert doc["components"]["securitySchemes"]["session"]["scheme"] == "bearer"


async def test_rate_limit_per_person_is_429_with_retry_after(make_bot, api_for):
    bot = await make_bot(api_rate_person=8)
    api = api_for(bot)
    alice = await api.login("o-mini-5")
    statuses = [(await alice.get("/me"))[0] for _ in range(10)]
    assert statuses[:8] == [200] * 8 and statuses[-1] == 429
    resp = await api.client.get(PREFIX + "/me", headers=alice.headers())
    assert resp.headers["Retry-After"] == "60"
    assert (await resp.json())["error"]["code"] == "rate_limited"
    bob = await api.login("o-mini-6")  # another person is not held back
    assert (await bob.get("/me"))[0] == 200


async def test_writes_are_limited_to_a_quarter_of_the_requests(make_bot, api_for):
    bot = await make_bot(api_rate_person=8)
    alice = await api_for(bot).login("o-mini-w")
    writes = [(await alice.post("/reports", json={}))[0] for _ in range(3)]
    assert writes == [400, 400, 429]  # 8 // 4 writes a minute, refused or not
    reads = [(await alice.get("/me"))[0] for _ in range(6)]
    assert reads == [200] * 5 + [429]  # every request counts towards the 8


async def test_rate_limit_per_person_whatever_the_openid_looks_like(make_bot, api_for):
    """The counters follow the person however their key is spelt (the one-round-trip
    script reads plain openids; anything else is counted by a second round trip)."""
    bot = await make_bot(api_rate_person=3)
    api = api_for(bot)
    for openid in ("o.mini+é", "o-mini-plain"):
        caller = await api.login(openid)
        assert [(await caller.get("/me"))[0] for _ in range(4)] == [200, 200, 200, 429]


async def test_rate_limit_per_address(make_bot, api_for):
    bot = await make_bot(api_rate_ip=5)
    api = api_for(bot)
    statuses = [(await api.anonymous("GET", "/me"))[0] for _ in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]


async def test_upload_a_photo(api, tmp_path):
    alice = await api.login("o-mini-7")
    status, body = await alice.post("/photos", data=form({}, [jpeg()], field="file"))
    assert status == 201, body
    assert body["id"].startswith("up_") and body["content_type"] == "image/jpeg"
    photo = await Photo.get(media_id=body["id"])
    assert photo.openid == "o-mini-7" and photo.owner_kind == "upload"


async def test_upload_of_the_wrong_type_is_415(api):
    alice = await api.login("o-mini-8")
    status, body = await alice.post("/photos", data=form({}, [b"GIF89a not a jpeg"],
                                                         field="file", content_type="image/gif"))
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"
    # declared as JPEG but is not one: the content decides
    status, body = await alice.post("/photos", data=form({}, [b"%PDF-1.4 hello"], field="file"))
    assert status == 415
    status, body = await alice.post("/photos", json={"photo_ids": []})
    assert status == 415
    assert not await Photo.filter(openid="o-mini-8").exists()


async def test_upload_over_10_mb_is_413(api):
    alice = await api.login("o-mini-9")
    big = jpeg() + b"\0" * (10 * 1024 * 1024)
    status, body = await alice.post("/photos", data=form({}, [big], field="file"))
    assert status == 413 and body["error"]["code"] == "payload_too_large"
    assert not await Photo.filter(openid="o-mini-9").exists()


async def test_idempotency_key_replays_the_first_answer(api):
    alice = await api.login("o-mini-10")
    key = {"Idempotency-Key": "upload-1"}
    first = await alice.post("/photos", data=form({}, [jpeg()], field="file"), headers=key)
    again = await alice.post("/photos", data=form({}, [jpeg()], field="file"), headers=key)
    assert first == again and first[0] == 201
    assert await Photo.filter(openid="o-mini-10").count() == 1
    resp = await api.client.post(PREFIX + "/photos", data=form({}, [jpeg()], field="file"),
                                 headers=alice.headers(key))
    assert resp.headers["Idempotent-Replayed"] == "true"
    other = await alice.post("/photos", data=form({}, [jpeg(color=(1, 2, 3))], field="file"),
                             headers=key)
    assert other[0] == 422 and other[1]["error"]["code"] == "idempotency_key_reused"


async def test_concurrent_repeats_with_one_key_make_one_photo(api):
    alice = await api.login("o-mini-11")
    key = {"Idempotency-Key": "same-moment"}
    results = await asyncio.gather(*[
        alice.post("/photos", data=form({}, [jpeg()], field="file"), headers=key)
        for _ in range(4)])
    assert {r[0] for r in results} == {201}
    assert len({r[1]["id"] for r in results}) == 1
    assert await Photo.filter(openid="o-mini-11").count() == 1
    assert await ProcessedMessage.filter(openid="o-mini-11").count() == 1


async def test_a_bad_idempotency_key_is_400(api):
    alice = await api.login("o-mini-12")
    status, body = await alice.post("/photos", data=form({}, [jpeg()], field="file"),
                                    headers={"Idempotency-Key": "has space"})
    assert status == 400 and body["error"]["code"] == "bad_idempotency_key"



async def test_every_session_of_a_person_can_be_revoked(api):
    first = await api.login("o-mini-13")
    second = await api.login("o-mini-13")
    other = await api.login("o-mini-14")
    assert await sessions.revoke_all(api.client.app[keys.KV_STORE], "o-mini-13") == 2
    assert (await first.get("/me"))[0] == 401
    assert (await second.get("/me"))[0] == 401
    assert (await other.get("/me"))[0] == 200


@pytest.mark.real_clock  # other processes run on the real time of day
async def test_linli_sessions_revoke(pg_db, redis_prefix):
    env = {"LINLI_DATABASE_URL": pg_db.database_url, "LINLI_REDIS_URL": pg_db.redis_url,
           "LINLI_REDIS_PREFIX": redis_prefix}
    kv = KV(create_redis(pg_db.redis_url), redis_prefix)
    try:
        token = await sessions.create(kv, "o-cli-1", "sk")
        result = await run_cli("sessions", "revoke", "o-cli-1", env=env)
        assert result.code == 0 and "revoked 1 session" in result.out
        assert await sessions.get(kv, token) is None
    finally:
        await kv.close()


@pytest.mark.parametrize("code", ["a\u0000b", "\ud800x"])
async def test_text_no_database_could_store_is_a_400(api, code):
    import json as json_

    resp = await api.client.post(PREFIX + "/auth/login", data=json_.dumps({"code": code}),
                                 headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("body", [b"--B--\r\n", b"--B\r\n-869406--B--\r\n",
                                  b"--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--"])
async def test_an_empty_or_broken_multipart_body_is_a_400(api, body):
    alice = await api.login("o-mini-15")
    resp = await api.client.post(PREFIX + "/photos", data=body, headers={
        **alice.headers(), "Content-Type": "multipart/form-data; boundary=B"})
    assert resp.status == 400, await resp.text()
    assert (await resp.json())["error"]["code"] in ("invalid_request", "malformed_multipart")
