"""GET /api/v1/photos/{id}: a photo is shown to whoever may see what it belongs to."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from handlers import photos
from storage.core.models import Person, Photo, Role
from tests.support.api import form, jpeg
from tests.support.wishes import wish as make_wish
from tests.test_api_reports import IN_G01, create, upload
from tests.test_api_reports import rbot as rbot


@pytest.fixture
def api(rbot, api_for):
    return api_for(rbot)


async def look(api, caller, url: str):
    resp = await api.client.get(url, headers=caller.headers())
    body = await resp.read()
    return resp.status, resp.content_type, body


async def test_an_upload_is_shown_to_its_uploader_only(api):
    alice, bob = await api.login("o-a"), await api.login("o-b")
    status, body = await alice.post("/photos", data=form({}, [jpeg()], field="file"))
    url = body["url"]
    status, kind, data = await look(api, alice, url)
    assert (status, kind) == (200, "image/jpeg")
    assert Image.open(io.BytesIO(data)).format == "JPEG"
    status, _, data = await look(api, bob, url)
    assert status == 404
    resp = await api.client.get(url)  # no session
    assert resp.status == 401


async def test_a_case_photo_follows_who_may_see_the_case(api):
    reporter = await api.login("o-r")
    status, case = await create(reporter)
    assert status == 201, case
    url = f"/api/v1/photos/{case['photo_ids'][0]}"
    assert (await look(api, reporter, url))[0] == 200
    grid = await api.login("demo-grid-g01")
    assert (await look(api, grid, url))[0] == 200  # the grid's worker acts on it
    stranger = await api.login("o-s")
    assert (await look(api, stranger, url))[0] == 404
    await Person.create(openid="o-g2", role=Role.GRID_WORKER, grid="G02")
    assert (await look(api, await api.login("o-g2"), url))[0] == 404
    supporter = await api.login("o-sup")
    near = {"lat": IN_G01[0] + 0.0002, "lng": IN_G01[1]}
    assert (await supporter.post(f"/reports/{case['number']}/support", json=near))[0] == 200
    # A supporter sees the public view: not the reporter's photos (they may show a home).
    assert (await look(api, supporter, url))[0] == 404


async def test_wish_photo_is_public_but_its_proof_is_not(api):
    poster = await api.login("o-p")
    shown = await upload(poster, 1)
    proof = await upload(poster, 2)
    wish = await make_wish(poster="o-p", beneficiary_openid="o-p")
    a = await photos.attach(shown, "wish", wish.number, "o-p")
    b = await photos.attach(proof, "wish_proof", wish.number, "o-p")
    anyone = await api.login("o-any")
    assert (await look(api, anyone, f"/api/v1/photos/{a.id}"))[0] == 200
    assert (await look(api, anyone, f"/api/v1/photos/{b.id}"))[0] == 404
    assert (await look(api, poster, f"/api/v1/photos/{b.id}"))[0] == 200


async def test_a_photo_still_downloading_is_409_and_bad_ids_404(api, rbot):
    sender = await api.login("o-chat")
    media_id = rbot.sandbox.add_media(jpeg())
    pending = await photos.attach(media_id, "upload-test", "x", "o-chat")
    status, body = await sender.get(f"/photos/{pending.id}")
    assert status == 409 and body["error"]["code"] == "photo_not_ready"
    for bad in ("abc", "0", "-1", str(2 ** 70), "１２"):
        status, body = await sender.get(f"/photos/{bad}")
        assert status == 404 and body["error"]["code"] == "photo_not_found", bad
    assert await Photo.filter(id=pending.id).exists()
    assert IN_G01  # the demo street is loaded by the fixture


async def test_uploads_nobody_attached_within_a_day_are_forgotten(api):
    from datetime import timedelta

    from storage import clock

    alice = await api.login("o-up")
    old = await upload(alice, 1)
    clock.advance(timedelta(hours=23))
    try:
        kept = await upload(alice, 2)
        used = await upload(alice, 3)
        clock.advance(timedelta(hours=2))
        status, case = await alice.post("/reports", json={
            "category": "garbage", "photo_ids": [used], "lat": IN_G01[0], "lng": IN_G01[1]})
        assert status == 201, case
        assert await photos.forget_unused_uploads() == 1
        assert not await Photo.filter(media_id=old).exists()
        assert await Photo.filter(media_id=kept).exists()
        assert (await Photo.get(media_id=used)).owner_kind == "report"
        status, body = await alice.post("/reports", json={
            "category": "garbage", "photo_ids": [old], "lat": IN_G01[0], "lng": IN_G01[1]})
        assert status == 422 and body["error"]["code"] == "unknown_photo"
    finally:
        clock.reset()
