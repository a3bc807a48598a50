"""Photos people send: attach the MediaId to a record now, download it in a sweep soon after.

Any domain reuses this: inside its own transaction it calls ``attach(media_id, "report",
"A1234", openid)``; the ``photos`` sweep then downloads the photo (WeChat keeps it 3 days),
accepts only JPEG/PNG up to 10 MB and ``MAX_PIXELS`` (judged from the header, before any
pixel is decoded: a small file can decode to gigabytes), re-saves it without EXIF
(location!) or other metadata,
stores it in the media store (``storage.media``) by content hash and flags a hash already stored for
another owner (``reused``: no points for it). An expired MediaId is recorded as expired;
transient failures are retried with backoff until the media would have expired anyway.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from PIL import Image, ImageOps, UnidentifiedImageError
from tortoise import Tortoise
from tortoise.expressions import Q

from handlers import outbox, texts
from handlers.context import Services
from handlers.errors import Refusal
from handlers.ports import DeliveryFailed, MediaExpired, PhotoStore
from storage import clock
from storage.core.models import Photo, PhotoStatus
from storage.inserts import insert_many, insert_new

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 48-50 MP phone camera's photo; more is a decompression bomb
# The most pixels ever decoded at once (about 64 MB in memory): a bigger JPEG is decoded at
# 1/2, 1/4 or 1/8 scale by libjpeg itself (and kept at that size), a bigger PNG - or a
# progressive JPEG, which libjpeg buffers at full size - is refused.
DECODE_PIXELS = 16_000_000
IMAGE_WORKERS = 2  # images checked at once per process: memory is bounded by this times the above
MEDIA_LIFETIME = timedelta(days=3)
CLAIM_LEASE = timedelta(minutes=2)
UPLOAD = "upload"  # owner_kind of an uploaded photo not yet attached to anything
UPLOAD_PREFIX = "up_"
UPLOAD_KEEP = timedelta(days=1)  # an upload not attached by then is forgotten
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "MPO": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


@dataclass
class PhotoSweepResult:
    stored: int = 0
    expired: int = 0
    failed: int = 0
    retried: int = 0


class BadImage(ValueError):
    """Not a JPEG or PNG we accept (type, size, or unreadable)."""


class ImageTooLarge(BadImage):
    """More pixels than we decode (``limit``): refused from the header, nothing decoded."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


# Decoding is CPU and memory: a pool of its own bounds both (the default executor is shared).
_IMAGE_POOL = ThreadPoolExecutor(max_workers=IMAGE_WORKERS, thread_name_prefix="linli-image")


async def checked_image(content: bytes) -> tuple[bytes, str, str]:
    """``clean_image`` off the event loop, at most ``IMAGE_WORKERS`` at once."""
    return await asyncio.get_running_loop().run_in_executor(_IMAGE_POOL, clean_image, content)


def is_upload(media_id: str) -> bool:
    """An upload's id (``store_upload``), not a WeChat MediaId."""
    return media_id.startswith(UPLOAD_PREFIX)


async def attach(media_id: str, owner_kind: str, owner_id: str, openid: str,
                 new_id: int | None = None) -> Photo:
    """Record a photo to download for (owner_kind, owner_id); idempotent by MediaId.

    An upload of ``openid``'s (``store_upload``, the mini-program) not yet attached is
    adopted instead: it is already stored, so only its owner changes (one statement).

    ``new_id``: the id a new row takes (``storage.inserts.take_ids``). Inside a message's
    effect on PostgreSQL its INSERT is then held for the effect's record: the row is taken
    as new. Were its MediaId recorded already (WeChat gives every message its own), the
    INSERT skips it and the photo stays with its first owner, as here without ``new_id``;
    an image push naming the id gives up ("photo not stored").
    """
    if not is_upload(media_id):  # a WeChat MediaId: new, but for a repeat
        now = clock.now()
        photo = Photo(media_id=media_id, owner_kind=owner_kind, owner_id=owner_id,
                      openid=openid, received_at=now, next_attempt_at=now)
        if new_id is not None:
            photo.id = new_id
            await insert_many([photo], unique="media_id", may_hold=True)
            if photo._saved_in_db:
                return photo
        elif await insert_new(photo):  # one statement; a conflict reads the existing row
            return photo
    else:
        adopted = await _adopt_upload(media_id, owner_kind, owner_id, openid)
        if adopted is not None:
            return adopted
    existing = await Photo.get_or_none(media_id=media_id)
    if existing is not None:
        if existing.owner_kind == UPLOAD and existing.openid == openid:
            return await _adopt(existing, owner_kind, owner_id)
        return existing
    now = clock.now()
    return await Photo.create(media_id=media_id, owner_kind=owner_kind, owner_id=owner_id,
                              openid=openid, received_at=now, next_attempt_at=now)


# Work that wants the uploads a block adopted (the API's create answers with its case's
# photos without reading them back) collects them here: ``with adoptions() as found``.
_adoptions: ContextVar[list[Photo] | None] = ContextVar("linli_photo_adoptions", default=None)


@contextmanager
def adoptions() -> Iterator[list[Photo]]:
    """The uploads ``attach`` adopts inside the block, in order (nested: the outer list)."""
    outer = _adoptions.get()
    if outer is not None:
        yield outer
        return
    found: list[Photo] = []
    token = _adoptions.set(found)
    try:
        yield found
    finally:
        _adoptions.reset(token)


# An upload changes owner in one statement: the UPDATE finds the earlier photo with the same
# content (``reused``: what ``_adopt`` reads in a query of its own) itself, and returns the row.
_EARLIER = ("SELECT e.id FROM {table} e WHERE e.sha256 = {table}.sha256 AND e.status = '{stored}' "
            "AND NOT (e.owner_kind = {kind} AND e.owner_id = {owner}) AND e.id <> {table}.id "
            "AND e.owner_kind <> '{upload}' ORDER BY e.id LIMIT 1")
_ADOPT = ("UPDATE {table} SET owner_kind = {kind}, owner_id = {owner}, reused_of_id = ({earlier}), "
          "reused = (({earlier}) IS NOT NULL) "
          "WHERE media_id = {media} AND owner_kind = '{upload}' AND openid = {openid} "
          "RETURNING {columns}")
_ADOPT_SQL: dict[str, str] = {}


def _adopt_sql(dialect: str) -> str:
    if dialect not in _ADOPT_SQL:
        columns = ", ".join(f'"{c}"' for c in Photo._meta.fields_db_projection.values())
        if dialect == "postgres":
            marks = {"kind": "$1::text", "owner": "$2::text", "media": "$3::text",
                     "openid": "$4::text"}
        else:  # qmark: each parameter where it appears
            marks = dict.fromkeys(("kind", "owner", "media", "openid"), "?")
        constants = {"stored": PhotoStatus.STORED.value, "upload": UPLOAD,
                     "table": Photo._meta.db_table}
        earlier = _EARLIER.format(**marks, **constants)
        _ADOPT_SQL[dialect] = _ADOPT.format(**marks, **constants, earlier=earlier,
                                            columns=columns)
    return _ADOPT_SQL[dialect]


async def _adopt_upload(media_id: str, owner_kind: str, owner_id: str,
                        openid: str) -> Photo | None:
    """``openid``'s unattached upload ``media_id`` given to (owner_kind, owner_id); None when
    there is no such upload (unknown, someone else's, attached already)."""
    conn = Tortoise.get_connection(Photo._meta.default_connection or "default")
    dialect = conn.capabilities.dialect
    values = ([owner_kind, owner_id, media_id, openid] if dialect == "postgres" else
              [owner_kind, owner_id, owner_kind, owner_id, owner_kind, owner_id, media_id,
               openid])
    rows = await conn.execute_query_dict(_adopt_sql(dialect), values)
    if not rows:
        return None
    photo = Photo._init_from_db(**rows[0])
    found = _adoptions.get()
    if found is not None:
        found.append(photo)
    return photo


class UnknownUpload(Refusal):
    code = "unknown_photo"


async def store_upload(store: PhotoStore, content: bytes, openid: str) -> Photo:
    """A photo uploaded directly (the mini-program), checked and stored now.

    Raises ``BadImage`` for anything but a JPEG/PNG up to 10 MB. The row waits, owned by
    nobody, until ``attach`` gives it to a case or a wish (its id is the ``media_id``).
    """
    data, mime, ext = await checked_image(content)
    digest = hashlib.sha256(data).hexdigest()
    relative = await _put(store, digest, ext, data, mime)
    now = clock.now()
    return await Photo.create(
        media_id=f"{UPLOAD_PREFIX}{secrets.token_urlsafe(18)}", owner_kind=UPLOAD, owner_id="",
        openid=openid, status=PhotoStatus.STORED, received_at=now, next_attempt_at=now,
        stored_at=now, sha256=digest, content_type=mime, size=len(data), path=relative)


async def check_uploads(media_ids: list[str], openid: str) -> None:
    """Refuse ids that are not ``openid``'s own unattached uploads."""
    wanted = set(media_ids)
    if not wanted:
        return
    found = set(await Photo.filter(media_id__in=list(wanted), owner_kind=UPLOAD,
                                   openid=openid).values_list("media_id", flat=True))
    missing = sorted(wanted - found)
    if missing:
        raise UnknownUpload(texts.UPLOAD_UNKNOWN.format(media_id=missing[0]))


def refuse_unadopted(media_ids: list[str], adopted: list[Photo]) -> None:
    """``check_uploads`` after the attaching, for a caller inside a transaction: refuse ids
    no adoption in ``adoptions()`` took (not ``openid``'s own unattached upload); raising
    undoes whatever the transaction did with them. Saves the query before."""
    missing = sorted(set(media_ids) - {p.media_id for p in adopted})
    if missing:
        raise UnknownUpload(texts.UPLOAD_UNKNOWN.format(media_id=missing[0]))


async def _adopt(photo: Photo, owner_kind: str, owner_id: str) -> Photo:
    earlier = await Photo.filter(sha256=photo.sha256, status=PhotoStatus.STORED).exclude(
        Q(owner_kind=owner_kind, owner_id=owner_id)).exclude(id=photo.id).exclude(
        owner_kind=UPLOAD).order_by("id").first()
    changes = {"owner_kind": owner_kind, "owner_id": owner_id, "reused": earlier is not None,
               "reused_of_id": earlier.id if earlier else None}
    if await Photo.filter(id=photo.id, owner_kind=UPLOAD).update(**changes) != 1:
        again = await Photo.get_or_none(id=photo.id)  # adopted a moment ago, or swept
        if again is None:
            raise UnknownUpload(texts.UPLOAD_UNKNOWN.format(media_id=photo.media_id))
        return again
    for name, value in changes.items():
        setattr(photo, name, value)
    return photo


async def content_of(store: PhotoStore, photo: Photo) -> bytes | None:
    """The stored photo's bytes (None: not stored, or its bytes are gone)."""
    if photo.status is not PhotoStatus.STORED or not photo.path:
        return None
    return await store.media.get(photo.path)


def clean_image(content: bytes) -> tuple[bytes, str, str]:
    """(bytes to store, MIME type, extension): upright, re-saved with no metadata but colour.

    ``ImageTooLarge`` comes from the header alone (``Image.open`` reads no pixels)."""
    if len(content) > MAX_BYTES:
        raise BadImage(f"{len(content)} bytes is over 10 MB")
    try:
        with Image.open(io.BytesIO(content)) as img:
            if img.format not in FORMATS:
                raise BadImage(f"{img.format} {img.width}x{img.height} is not a JPEG/PNG we take")
            _within_budget(img)
            mime, ext = FORMATS[img.format]
            icc = img.info.get("icc_profile")
            ImageOps.exif_transpose(img, in_place=True)  # the orientation goes into the pixels
            img.info = {k: v for k, v in img.info.items() if k == "transparency"}
            out = io.BytesIO()
            img.save(out, "JPEG" if ext == "jpg" else "PNG", icc_profile=icc,
                     **({"quality": 90} if ext == "jpg" else {"optimize": True}))
    except BadImage:
        raise
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise BadImage(f"unreadable image: {exc}") from None
    return out.getvalue(), mime, ext


def _within_budget(img: Image.Image) -> None:
    """Refuse more than ``MAX_PIXELS``; have a JPEG over ``DECODE_PIXELS`` decoded smaller."""
    width, height = img.size
    if width * height > MAX_PIXELS:
        raise ImageTooLarge(f"{width}x{height} is over {MAX_PIXELS} pixels", MAX_PIXELS)
    if width * height <= DECODE_PIXELS:
        return
    if img.format == "PNG" or img.info.get("progressive") or img.info.get("progression"):
        raise ImageTooLarge(f"{img.format} {width}x{height} is over {DECODE_PIXELS} pixels",
                            DECODE_PIXELS)
    scale = next(s for s in (2, 4, 8) if width * height <= DECODE_PIXELS * s * s)
    img.draft(None, (width // scale, height // scale))  # libjpeg's DCT scaling
    if img.width * img.height > DECODE_PIXELS:
        raise ImageTooLarge(f"{width}x{height} is over {DECODE_PIXELS} pixels", DECODE_PIXELS)


async def _put(store: PhotoStore, digest: str, ext: str, data: bytes, mime: str) -> str:
    """Store by content hash: the same picture is kept once, whoever sent it."""
    relative = f"{digest[:2]}/{digest}.{ext}"
    await store.media.put(relative, data, mime)
    return relative


async def _claim(photo: Photo) -> bool:
    now = clock.now()
    return await Photo.filter(id=photo.id, status=PhotoStatus.PENDING,
                              next_attempt_at__lte=now).update(next_attempt_at=now + CLAIM_LEASE) == 1


async def _end(photo: Photo, status: PhotoStatus, error: str, **changes: object) -> None:
    await Photo.filter(id=photo.id, status=PhotoStatus.PENDING).update(
        status=status, attempts=photo.attempts + 1, last_error=error[:255], **changes)


async def _retry(photo: Photo, error: str, result: PhotoSweepResult) -> None:
    now = clock.now()
    if now - photo.received_at >= MEDIA_LIFETIME:
        await _end(photo, PhotoStatus.FAILED, f"gave up: {error}")
        result.failed += 1
        return
    delay = timedelta(seconds=min(1800, 10 * 2 ** min(photo.attempts, 8)))
    await Photo.filter(id=photo.id, status=PhotoStatus.PENDING).update(
        attempts=photo.attempts + 1, next_attempt_at=now + delay, last_error=error[:255])
    result.retried += 1


async def _store(store: PhotoStore, photo: Photo, content: bytes) -> None:
    data, mime, ext = await checked_image(content)
    digest = hashlib.sha256(data).hexdigest()
    relative = await _put(store, digest, ext, data, mime)
    # Q(...) keeps the pair together: exclude(a=, b=) would mean NOT a AND NOT b.
    earlier = await Photo.filter(sha256=digest, status=PhotoStatus.STORED).exclude(
        Q(owner_kind=photo.owner_kind, owner_id=photo.owner_id)).order_by("id").first()
    await _end(photo, PhotoStatus.STORED, "", sha256=digest, content_type=mime, size=len(data),
               path=relative, stored_at=clock.now(), reused=earlier is not None,
               reused_of_id=earlier.id if earlier else None)


async def _tell_refused(photo: Photo) -> None:
    """The sender hears at once that the photo will not do (chat took it before it was
    downloaded), naming the case or wish, once per photo (the outbox key)."""
    what = texts.PHOTO_OWNERS.get(photo.owner_kind, "{id}").format(id=photo.owner_id)
    await outbox.enqueue(photo.openid, texts.PHOTO_REFUSED.format(what=what),
                         key=f"photo-refused:{photo.id}")


async def fetch_one(store: PhotoStore, photo: Photo, result: PhotoSweepResult) -> None:
    if not await _claim(photo):
        return  # another sweeper has it
    try:
        content, _mime = await store.fetcher.fetch(photo.media_id)
        await _store(store, photo, content)
        result.stored += 1
    except MediaExpired as exc:
        await _end(photo, PhotoStatus.EXPIRED, str(exc))
        result.expired += 1
    except BadImage as exc:
        await _end(photo, PhotoStatus.FAILED, str(exc))
        result.failed += 1
        await _tell_refused(photo)
    except DeliveryFailed as exc:
        await _retry(photo, str(exc), result)
    except Exception as exc:  # disk full, a bug: retried, and never past the media's life
        log.exception("photo %s: storing failed", photo.id)
        await _retry(photo, f"{type(exc).__name__}: {exc}", result)


async def fetch_due(store: PhotoStore, limit: int = 20) -> PhotoSweepResult:
    """One sweep: download what is due, oldest first, at most ``limit`` photos."""
    result = PhotoSweepResult()
    rows = await Photo.filter(status=PhotoStatus.PENDING, next_attempt_at__lte=clock.now()
                              ).order_by("next_attempt_at", "id").limit(limit)
    for photo in rows:
        try:
            await fetch_one(store, photo, result)
        except Exception:
            log.exception("photo sweep: photo %s", photo.id)
    return result


async def sweep(services: Services) -> None:
    """The scheduler job (bot/scheduler.py JOBS)."""
    if services.photos is not None:
        await fetch_due(services.photos)


async def forget_unused_uploads(limit: int = 500) -> int:
    """Uploads nobody attached within ``UPLOAD_KEEP``: their rows go (an id given out is then
    unknown). Files stay: they are stored by content, and another photo may share one."""
    cutoff = clock.now() - UPLOAD_KEEP
    ids = await Photo.filter(owner_kind=UPLOAD, received_at__lt=cutoff).order_by("id").limit(
        limit).values_list("id", flat=True)
    if not ids:
        return 0
    # Guarded by the owner: an upload attached a moment ago is no longer an upload.
    return await Photo.filter(id__in=list(ids), owner_kind=UPLOAD).delete()


async def sweep_uploads(services: Services) -> None:
    """The scheduler job ``photo_uploads``."""
    await forget_unused_uploads()
