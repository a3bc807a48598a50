"""Inbound messages already given an effect, and the outbox of messages to send."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ProcessedMessage(Model):
    """One row per inbound message that changed something: the database half of dedup."""

    id = fields.BigIntField(primary_key=True)
    dedup_key = fields.CharField(max_length=160, unique=True)
    openid = fields.CharField(max_length=64, db_index=True)
    reply = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "processed_message"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up: recorded, never silently dropped


class OutboxMessage(Model):
    """A message to push to a person through the WeChat API, written before it is sent.

    ``key`` makes every enqueue idempotent; a sweep delivers pending rows, so a crash
    between writing and sending loses nothing.
    """

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=160, unique=True)
    openid = fields.CharField(max_length=64, db_index=True)
    kind = fields.CharField(max_length=16, default="text")  # text | image
    payload = fields.JSONField()
    status = fields.CharEnumField(OutboxStatus, max_length=10, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    last_error = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
