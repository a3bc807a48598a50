"""Photos people send (a WeChat MediaId each), downloaded and kept by content hash.

Generic: any domain attaches a photo to its own record through ``owner_kind`` and
``owner_id`` (e.g. "wish" / "W12", "wish_proof" / "W12", "report" / "A1234").
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class PhotoStatus(StrEnum):
    PENDING = "pending"  # waiting for the sweep to download it
    STORED = "stored"  # on disk under the media directory, EXIF removed
    EXPIRED = "expired"  # WeChat no longer has it (temporary media lives 3 days)
    FAILED = "failed"  # not a JPEG/PNG, too large, or kept failing until it expired


class Photo(Model):
    id = fields.BigIntField(primary_key=True)
    media_id = fields.CharField(max_length=160, unique=True)
    owner_kind = fields.CharField(max_length=24)
    owner_id = fields.CharField(max_length=32)
    openid = fields.CharField(max_length=64)  # who sent it
    status = fields.CharEnumField(PhotoStatus, max_length=8, default=PhotoStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    received_at = fields.DatetimeField()
    stored_at = fields.DatetimeField(null=True)
    sha256 = fields.CharField(max_length=64, null=True, db_index=True)
    content_type = fields.CharField(max_length=32, default="")
    size = fields.IntField(default=0)
    path = fields.CharField(max_length=255, default="")  # relative to the media directory
    # The same picture (by hash) was already stored for another owner: no points for it.
    reused = fields.BooleanField(default=False)
    reused_of_id = fields.BigIntField(null=True)
    last_error = fields.CharField(max_length=255, default="")

    class Meta:
        table = "photo"
        indexes = (("owner_kind", "owner_id"),)


class MediaBlob(Model):
    """A stored photo's bytes when LINLI_MEDIA_STORE=database: keyed by the same relative
    path as a file under the media directory would be, so every node reads the same photo."""

    id = fields.BigIntField(primary_key=True)
    path = fields.CharField(max_length=255, unique=True)
    content = fields.BinaryField()
    content_type = fields.CharField(max_length=32, default="")
    size = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "media_blob"
