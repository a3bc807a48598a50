"""The media store (``storage.media``): one contract suite run against the directory and the
database store on both backends, ``migrate`` between them, and ``linli media migrate``."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os

import pytest

from handlers import photos
from storage import clock
from storage.core.models import MediaBlob, Photo, PhotoStatus
from storage.media import BadMediaPath, DatabaseStore, DirStore, migrate, open_store
from tests.support.cli import run_cli
from tests.support.wishes import jpeg

pytestmark = pytest.mark.usefixtures("db")


def _path(content: bytes, ext: str = "jpg") -> str:
    digest = hashlib.sha256(content).hexdigest()
    return f"{digest[:2]}/{digest}.{ext}"


@pytest.fixture(params=["dir", "database"])
def store(request, tmp_path):
    return open_store(request.param, tmp_path / "media")


async def test_put_get_exists_delete(store):
    content = jpeg("blue")
    path = _path(content)
    assert await store.get(path) is None and not await store.exists(path)
    await store.put(path, content, "image/jpeg")
    assert await store.get(path) == content and await store.exists(path)
    await store.delete(path)
    assert await store.get(path) is None and not await store.exists(path)
    await store.delete(path)  # deleting what is gone is harmless


async def test_a_put_of_a_path_already_held_is_done_even_at_once(store):
    content = jpeg("green")
    path = _path(content)
    await asyncio.gather(*(store.put(path, content, "image/jpeg") for _ in range(4)))
    await store.put(path, content, "image/jpeg")
    assert await store.get(path) == content
    if isinstance(store, DatabaseStore):
        assert await MediaBlob.filter(path=path).count() == 1
        blob = await MediaBlob.get(path=path)
        assert (blob.size, blob.content_type) == (len(content), "image/jpeg")


async def test_paths_of_another_shape_are_refused_or_unknown(store, tmp_path):
    (tmp_path / "secret.txt").write_text("not a photo")
    for bad in ("../secret.txt", "/etc/passwd", "ab/../../secret.txt", "ab", "ab/x/y.jpg"):
        with pytest.raises(BadMediaPath):
            await store.put(bad, b"x", "image/jpeg")
        assert await store.get(bad) is None and not await store.exists(bad)
        await store.delete(bad)
    assert (tmp_path / "secret.txt").exists()


async def test_a_photo_of_ten_megabytes_round_trips(store):
    content = os.urandom(photos.MAX_BYTES)
    path = _path(content)
    await store.put(path, content, "image/jpeg")
    assert await store.get(path) == content


async def test_the_directory_store_leaves_no_partial_file(tmp_path):
    store = DirStore(tmp_path)
    content = jpeg()
    await store.put(_path(content), content, "image/jpeg")
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [_path(content)[3:]]


async def _stored_photo(store, color: str) -> Photo:
    """A photo the sweep stored: the row and its bytes in ``store``."""
    content = jpeg(color)
    path = _path(content)
    await store.put(path, content, "image/jpeg")
    now = clock.now()
    return await Photo.create(media_id=f"m-{color}", owner_kind="report", owner_id="A1",
                              openid="o-res", status=PhotoStatus.STORED, path=path,
                              content_type="image/jpeg", size=len(content), sha256=path[3:67],
                              received_at=now, next_attempt_at=now)


async def test_migrate_copies_once_and_moves_back(tmp_path):
    files, blobs = DirStore(tmp_path / "media"), DatabaseStore()
    made = [await _stored_photo(files, c) for c in ("red", "blue", "green")]
    await Photo.create(media_id="m-pending", owner_kind="report", owner_id="A1",
                       openid="o-res", received_at=clock.now(), next_attempt_at=clock.now())
    first = await migrate(files, blobs)
    assert (first.copied, first.present, first.missing) == (3, 0, 0)
    for p in made:
        assert await blobs.get(p.path) == await files.get(p.path)
    again = await migrate(files, blobs)
    assert (again.copied, again.present) == (0, 3)
    assert await MediaBlob.all().count() == 3

    back = DirStore(tmp_path / "elsewhere")
    moved = await migrate(blobs, back, move=True)
    assert (moved.copied, moved.removed) == (3, 3) and await MediaBlob.all().count() == 0
    for p in made:
        assert await back.get(p.path) == await files.get(p.path)

    await files.delete(made[0].path)
    lost = await migrate(files, blobs)
    assert (lost.copied, lost.missing, lost.lost) == (2, 1, [made[0].path])


async def test_the_cli_migrates_into_the_database_and_back(db, tmp_path):
    media = tmp_path / "media"
    made = [await _stored_photo(DirStore(media), c) for c in ("red", "blue")]
    env = {"LINLI_DATABASE_URL": db.database_url, "LINLI_MEDIA_DIR": str(media)}
    out = await run_cli("media", "migrate", "--to", "database", env=env)
    assert out.code == 0, out.err
    assert "to database: copied 2, already there 0, missing 0" in out.out
    again = await run_cli("media", "migrate", "--to", "database", "--json", env=env)
    assert again.code == 0 and json.loads(again.out)["present"] == 2
    for p in made:
        await DirStore(media).delete(p.path)
    back = await run_cli("media", "migrate", "--to", "dir", "--move", env=env)
    assert back.code == 0 and "copied 2" in back.out and "removed from the source 2" in back.out
    assert all([await DirStore(media).exists(p.path) for p in made])
    assert await MediaBlob.all().count() == 0
    await DirStore(media).delete(made[0].path)  # a photo lost from both stores: exit 1
    lost = await run_cli("media", "migrate", "--to", "database", env=env)
    assert lost.code == 1 and made[0].path in lost.err
