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

    ``key`` makes every enqueue idempotent and a sweep delivers pending rows, so a crash
    between writing and sending loses nothing. Pending rows of one person with the same
    ``subject`` go out together as one message. ``claim`` and ``claimed_until`` mark the
    rows one sender holds (a lease: a dead sender's rows are claimable again after it).
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
    subject = fields.CharField(max_length=64, default="")  # "" = never coalesced
    urgent = fields.BooleanField(default=False)  # goes out during quiet hours too
    # reply | cs | subscribe | template once sent, "reply" while offered to the next reply
    channel = fields.CharField(max_length=16, default="")
    claim = fields.CharField(max_length=16, null=True)
    claimed_until = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"


class SubscribeGrant(Model):
    """One-time subscribe messages a person accepted and we have not used yet.

    WeChat has no API for the remaining count, so it is counted here: the mini-program
    records each acceptance, every subscribe message sent uses one.
    """

    id = fields.IntField(primary_key=True)
    openid = fields.CharField(max_length=64)
    template_id = fields.CharField(max_length=64)
    remaining = fields.IntField(default=0)
    # Which app's template: "miniapp" (wx.requestSubscribeMessage, sent with
    # /cgi-bin/message/subscribe/send) or "oa" (the Official Account's subscription notices,
    # granted through subscribe_msg_* events, sent with /cgi-bin/message/subscribe/bizsend).
    app = fields.CharField(max_length=16, default="miniapp", db_default="miniapp")
    # A long-term subscription (长期订阅): not used up by a send, ended by a withdrawal.
    long_term = fields.BooleanField(default=False, db_default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "subscribe_grant"
        unique_together = (("openid", "template_id"),)
