"""微心愿: wishes with their history, and the volunteers who fulfil them.

The business rules live in ``handlers/wishes``; these are plain tables. A wish's short
number is ``W`` + its id (W1, W2, ...).
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class WishStatus(StrEnum):
    SUBMITTED = "submitted"  # waiting for a community admin
    REJECTED = "rejected"  # returned to the poster with a reason
    OPEN = "open"  # approved: on the wall, anyone registered may claim it
    CLAIMED = "claimed"  # one volunteer holds it until claim_expires_at
    FULFILLED = "fulfilled"  # proof photo sent; waiting for the beneficiary's confirmation
    CONFIRMED = "confirmed"  # confirmed; points being awarded
    CLOSED = "closed"
    CANCELLED = "cancelled"


class WishKind(StrEnum):
    GOODS = "goods"  # 生活用品
    HOME_SERVICE = "home_service"  # 上门服务
    COMPANY = "company"  # 陪伴
    REPAIR = "repair"  # 维修
    OTHER = "other"  # 其他


class Wish(Model):
    id = fields.IntField(primary_key=True)
    status = fields.CharEnumField(WishStatus, max_length=10, default=WishStatus.SUBMITTED,
                                  db_index=True)
    kind = fields.CharEnumField(WishKind, max_length=12)
    title = fields.CharField(max_length=60)
    details = fields.CharField(max_length=500, default="")
    photo_id = fields.BigIntField(null=True)  # core Photo
    poster_openid = fields.CharField(max_length=64, db_index=True)
    on_behalf = fields.BooleanField(default=False)  # posted by staff for someone without WeChat
    beneficiary_name = fields.CharField(max_length=64, default="")
    beneficiary_openid = fields.CharField(max_length=64, null=True)
    # Private: shown only to the volunteer holding an active claim.
    phone = fields.CharField(max_length=32, default="")
    address = fields.CharField(max_length=128, default="")
    community = fields.CharField(max_length=64, null=True, db_index=True)
    grid = fields.CharField(max_length=32, null=True, db_index=True)
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    needed_by = fields.DateField(null=True)
    claimant_openid = fields.CharField(max_length=64, null=True, db_index=True)
    claimed_at = fields.DatetimeField(null=True)
    claim_expires_at = fields.DatetimeField(null=True, db_index=True)
    claim_reminded_at = fields.DatetimeField(null=True)
    proof_photo_id = fields.BigIntField(null=True)  # core Photo
    proof_note = fields.CharField(max_length=255, default="")
    fulfilled_at = fields.DatetimeField(null=True)
    confirmed_at = fields.DatetimeField(null=True, db_index=True)
    confirmed_by = fields.CharField(max_length=64, null=True)
    closed_at = fields.DatetimeField(null=True)
    points = fields.IntField(null=True)  # what the volunteer was awarded
    reject_reason = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "wish"

    @property
    def number(self) -> str:
        return f"W{self.id}"


class WishEvent(Model):
    """One change of a wish: who, when, what, why."""

    id = fields.BigIntField(primary_key=True)
    wish: fields.ForeignKeyRelation[Wish] = fields.ForeignKeyField(
        "core.Wish", related_name="events", on_delete=fields.CASCADE)
    kind = fields.CharField(max_length=16)  # submitted, approved, claimed, expired, ...
    actor = fields.CharField(max_length=64)  # an openid, "cli" or "scheduler"
    note = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "wish_event"


class Volunteer(Model):
    """A registered volunteer (志愿者注册), party members flagged."""

    id = fields.IntField(primary_key=True)
    openid = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=64)
    phone = fields.CharField(max_length=32, default="")
    skills = fields.CharField(max_length=128, default="")
    community = fields.CharField(max_length=64, null=True)
    party_member = fields.BooleanField(default=False)
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "volunteer"
