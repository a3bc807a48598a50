"""People (anyone who talks to the bot) and one-time staff invitations."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    RESIDENT = "resident"
    VOLUNTEER = "volunteer"
    GRID_WORKER = "grid_worker"
    PROPERTY_MANAGER = "property_manager"
    DEPARTMENT = "department"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self in STAFF_ROLES


STAFF_ROLES = frozenset(
    {Role.GRID_WORKER, Role.PROPERTY_MANAGER, Role.DEPARTMENT, Role.ADMIN}
)


class Person(Model):
    id = fields.IntField(primary_key=True)
    openid = fields.CharField(max_length=64, unique=True)
    # The WeChat app ``openid`` belongs to ("oa": the Official Account, "miniapp": the
    # mini-program when it is its own app); its other openids are in ``AppOpenid``.
    app = fields.CharField(max_length=16, default="oa", db_default="oa")
    # WeChat's UnionID (the same for one person in every app of the account's open platform):
    # how the Official Account's and the mini-program's openids are found to be one person.
    unionid = fields.CharField(max_length=64, null=True, unique=True)
    role = fields.CharEnumField(Role, max_length=20, default=Role.RESIDENT)
    name = fields.CharField(max_length=64, default="")
    phone = fields.CharField(max_length=32, default="")
    # Staff scope: the grid a grid worker serves, the compound/department a manager answers for.
    grid = fields.CharField(max_length=32, null=True)
    org = fields.CharField(max_length=64, null=True)
    # Building the resident is bound to through a parameterised QR code (qrscene_…).
    building = fields.CharField(max_length=64, null=True)
    subscribed = fields.BooleanField(default=True)
    # The last time this person sent us anything: opens WeChat's 48 h customer-service window.
    last_message_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "person"


class AppOpenid(Model):
    """A person's openid in another WeChat app than ``Person.app``: an alias of
    ``person_openid`` (the ``Person.openid`` every record is keyed by)."""

    id = fields.IntField(primary_key=True)
    app = fields.CharField(max_length=16)  # "oa" | "miniapp"
    openid = fields.CharField(max_length=64, unique=True)
    person_openid = fields.CharField(max_length=64, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "person_app_openid"
        unique_together = (("person_openid", "app"),)


class PersonConflict(Model):
    """An Official Account openid and a mini-program openid WeChat says are one person (same
    UnionID) whose two people both hold data: kept apart until an operator joins them
    (``linli people link``). ``resolved_at`` is set when they were joined."""

    id = fields.IntField(primary_key=True)
    oa_openid = fields.CharField(max_length=64)
    miniapp_openid = fields.CharField(max_length=64)
    unionid = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "person_conflict"
        unique_together = (("oa_openid", "miniapp_openid"),)


class StaffInvite(Model):
    """A one-time binding code. Only its hash is stored."""

    id = fields.IntField(primary_key=True)
    code_hash = fields.CharField(max_length=64, db_index=True)
    role = fields.CharEnumField(Role, max_length=20)
    name = fields.CharField(max_length=64)
    grid = fields.CharField(max_length=32, null=True)
    org = fields.CharField(max_length=64, null=True)
    created_by = fields.CharField(max_length=64, default="cli")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    used_by = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "staff_invite"
