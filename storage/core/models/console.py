"""The web console's sign-in links and the audit log (审计).

A sign-in link is a one-time token (only its SHA-256 stored) that a staff member gets in chat
(``后台``) or an operator prints (``linli console link``); it is in the database, not Redis,
so a link printed by the CLI works against the embedded in-process Redis of ``linli serve``.
The audit log is append-only: every console action and every view of a resident's private
data (phone, address, full description).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ConsoleLink(Model):
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    openid = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "console_link"


class AuditEntry(Model):
    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    actor_openid = fields.CharField(max_length=64, db_index=True)
    action = fields.CharField(max_length=32, db_index=True)  # view_private, supervise, …
    target = fields.CharField(max_length=32, default="", db_index=True)  # A1234, W12, …
    # The community the target belongs to (a case's), so community admins read their own.
    community = fields.CharField(max_length=32, null=True, db_index=True)
    detail = fields.TextField(default="")
    ip = fields.CharField(max_length=64, default="")

    class Meta:
        table = "audit_log"
