"""The photo store: downloaded from the sandbox by the sweep, checked, EXIF removed, kept by
content hash; expired MediaIds recorded, transient failures retried, reused photos flagged."""

from __future__ import annotations

import asyncio
import hashlib
import io
from datetime import timedelta

import pytest
from PIL import Image

from handlers import photos
from handlers.ports import DeliveryFailed
from storage import clock
from storage.core.models import Photo, PhotoStatus
from storage.media import DirStore
from tests.support.wishes import app_bot, jpeg, services

MEDIA_GET = "/cgi-bin/media/get"
GPS_IFD = 0x8825


@pytest.fixture
async def wbot(make_bot, tmp_path):
    return await app_bot(make_bot, tmp_path)


def _exif_with_location() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    exif[GPS_IFD] = {1: "N", 2: (43.0, 53.0, 9.6), 3: "E", 4: (125.0, 19.0, 4.8)}
    return exif.tobytes()


async def _attach(sandbox, content: bytes, owner: str = "A1", kind: str = "report",
                  content_type: str = "image/jpeg") -> Photo:
    media_id = sandbox.state.add_media(content, content_type)
    return await photos.attach(media_id, kind, owner, "o-res")


async def test_a_photo_is_stored_by_hash_without_exif(wbot, sandbox):
    original = jpeg(size=(64, 48), exif=_exif_with_location())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test is real
    photo = await _attach(sandbox, original)
    result = await photos.fetch_due(services(wbot).photos)
    assert result.stored == 1
    photo = await Photo.get(id=photo.id)
    assert photo.status is PhotoStatus.STORED and photo.content_type == "image/jpeg"
    data = await photos.content_of(services(wbot).photos, photo)
    assert hashlib.sha256(data).hexdigest() == photo.sha256
    assert photo.path == f"{photo.sha256[:2]}/{photo.sha256}.jpg"
    assert photo.size == len(data) and not photo.reused
    stored = Image.open(io.BytesIO(data))
    assert len(stored.getexif()) == 0 and b"Exif" not in data and b"PhoneMaker" not in data
    assert stored.size == (48, 64)  # the orientation went into the pixels
    # Nothing left to do: no second download.
    calls = sandbox.state.calls[MEDIA_GET]
    assert (await photos.fetch_due(services(wbot).photos)).stored == 0
    assert sandbox.state.calls[MEDIA_GET] == calls


async def test_png_is_kept_as_png_without_metadata(wbot, sandbox):
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGBA", (20, 10), (0, 128, 0, 128)).save(out, "PNG", exif=exif.tobytes())
    assert b"PhoneMaker" in out.getvalue()
    photo = await _attach(sandbox, out.getvalue(), content_type="image/png")
    await photos.fetch_due(services(wbot).photos)
    photo = await Photo.get(id=photo.id)
    data = await photos.content_of(services(wbot).photos, photo)
    assert photo.content_type == "image/png" and photo.path.endswith(".png")
    assert b"PhoneMaker" not in data and Image.open(io.BytesIO(data)).mode == "RGBA"


async def test_an_expired_media_id_is_recorded_and_never_retried(wbot, sandbox):
    photo = await _attach(sandbox, jpeg())
    clock.advance(timedelta(days=3, minutes=1))  # the sweep did not run for three days
    assert (await photos.fetch_due(services(wbot).photos)).expired == 1
    photo = await Photo.get(id=photo.id)
    assert photo.status is PhotoStatus.EXPIRED and "40007" in photo.last_error
    calls = sandbox.state.calls[MEDIA_GET]
    clock.advance(timedelta(hours=1))
    await photos.fetch_due(services(wbot).photos)
    assert sandbox.state.calls[MEDIA_GET] == calls


async def test_a_reused_photo_is_flagged(wbot, sandbox):
    picture = jpeg("purple")
    first = await _attach(sandbox, picture, owner="A1")
    again_same_owner = await _attach(sandbox, picture, owner="A1")
    elsewhere = await _attach(sandbox, picture, owner="W7", kind="wish_proof")
    different = await _attach(sandbox, jpeg("orange"), owner="W8", kind="wish_proof")
    assert (await photos.fetch_due(services(wbot).photos)).stored == 4
    rows = {p.id: p for p in await Photo.all()}
    assert not rows[first.id].reused and not rows[again_same_owner.id].reused
    assert rows[elsewhere.id].reused and rows[elsewhere.id].reused_of_id == first.id
    assert not rows[different.id].reused
    assert rows[elsewhere.id].path == rows[first.id].path  # one file per content


@pytest.mark.parametrize("content", [b"not an image at all", b"GIF89a" + b"\x00" * 64])
async def test_other_files_fail_without_retry(wbot, sandbox, content):
    photo = await _attach(sandbox, content)
    assert (await photos.fetch_due(services(wbot).photos)).failed == 1
    photo = await Photo.get(id=photo.id)
    assert photo.status is PhotoStatus.FAILED and photo.path == ""


async def test_too_large_fails(wbot, sandbox):
    photo = await _attach(sandbox, jpeg() + b"\x00" * (10 * 1024 * 1024))
    await photos.fetch_due(services(wbot).photos)
    photo = await Photo.get(id=photo.id)
    assert photo.status is PhotoStatus.FAILED and "10 MB" in photo.last_error


async def test_wechat_busy_is_retried_with_backoff(wbot, sandbox):
    photo = await _attach(sandbox, jpeg())
    sandbox.state.fail_next(MEDIA_GET, -1, times=3)  # the client's own retries give up too
    assert (await photos.fetch_due(services(wbot).photos)).retried == 1
    photo = await Photo.get(id=photo.id)
    assert photo.status is PhotoStatus.PENDING and photo.attempts == 1
    assert photo.next_attempt_at > clock.now()
    assert (await photos.fetch_due(services(wbot).photos)).retried == 0  # not due yet
    clock.advance(timedelta(seconds=30))
    assert (await photos.fetch_due(services(wbot).photos)).stored == 1


class _Down:
    """A fetcher for a WeChat that never answers."""

    calls = 0

    async def fetch(self, media_id: str) -> tuple[bytes, str]:
        self.calls += 1
        raise DeliveryFailed("connection refused")


async def test_failures_stop_once_the_media_would_have_expired(db, tmp_path):
    store = photos.PhotoStore(_Down(), DirStore(tmp_path))
    photo = await photos.attach("m-down", "report", "A1", "o-res")
    for _ in range(40):
        await photos.fetch_due(store)
        clock.advance(timedelta(hours=2))
    photo = await Photo.get(id=photo.id)
    assert photo.status is PhotoStatus.FAILED and "gave up" in photo.last_error
    assert store.fetcher.calls < 40  # backoff: not every sweep tried


async def test_two_sweepers_download_each_photo_once(wbot, sandbox):
    for i in range(5):
        await _attach(sandbox, jpeg(size=(10 + i, 10)), owner=f"A{i}")
    store = services(wbot).photos
    results = await asyncio.gather(photos.fetch_due(store), photos.fetch_due(store))
    assert sum(r.stored for r in results) == 5
    assert sandbox.state.calls[MEDIA_GET] == 5


async def test_attach_is_idempotent_by_media_id(db):
    a = await photos.attach("m-1", "report", "A1", "o-res")
    b = await photos.attach("m-1", "report", "A1", "o-res")
    assert a.id == b.id and await Photo.all().count() == 1
