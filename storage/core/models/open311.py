"""Open311 GeoReport v2 clients: their API keys and the requests they posted."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Open311Key(Model):
    """An API key of an Open311 client. Only the SHA-256 of the key is stored."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=40, unique=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "open311_key"


class Open311Request(Model):
    """A case posted through Open311, with the token that also leads to it."""

    id = fields.IntField(primary_key=True)
    case_number = fields.CharField(max_length=12, unique=True)
    token = fields.CharField(max_length=32, unique=True)
    key: fields.ForeignKeyRelation[Open311Key] = fields.ForeignKeyField(
        "core.Open311Key", related_name="requests", on_delete=fields.RESTRICT)
    account_id = fields.CharField(max_length=64, default="")  # the client's, echoed back
    media_url = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "open311_request"
