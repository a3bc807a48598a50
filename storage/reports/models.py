"""Tortoise models of 随手拍 cases (app label ``reports``).

A case refers to geography and categories by their codes (``geo`` app), and to people by
openid, so each app migrates on its own. Every change of status is one guarded update plus
one ``CaseEvent`` row: the full history of who, when and why.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class CaseStatus(StrEnum):
    SUBMITTED = "submitted"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    REVIEWING = "reviewing"  # resolved, waiting for 核查 by someone other than the resolver
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    MERGED = "merged"
    REJECTED = "rejected"
    HIDDEN = "hidden"


OPEN_STATUSES = frozenset({CaseStatus.SUBMITTED, CaseStatus.DISPATCHED, CaseStatus.ACCEPTED,
                           CaseStatus.IN_PROGRESS, CaseStatus.REVIEWING, CaseStatus.REOPENED})


class CaseSource(StrEnum):
    """How a case reached us (``Case.source``)."""

    CHAT = "chat"  # the Official Account's 随手拍
    MINIAPP = "miniapp"  # the mini-program's form (/api/v1/reports)
    OPEN311 = "open311"  # a GeoReport v2 client
    HOTLINE = "hotline"  # 12345 or a call to the community, entered by an operator (代录)
    VISIT = "visit"  # seen or told on a visit, entered by an operator (代录)


class Case(Model):
    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=12, unique=True)  # "A1234", what people type
    reporter_openid = fields.CharField(max_length=64, db_index=True)
    category_code = fields.CharField(max_length=32, db_index=True)
    description = fields.TextField(default="")
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    address = fields.CharField(max_length=255, default="")  # WeChat's label or the building
    building_code = fields.CharField(max_length=32, null=True)
    grid_code = fields.CharField(max_length=32, null=True, db_index=True)  # None: community admin
    community_code = fields.CharField(max_length=32, null=True, db_index=True)
    compound_code = fields.CharField(max_length=32, null=True)
    status = fields.CharEnumField(CaseStatus, max_length=16, default=CaseStatus.SUBMITTED,
                                  db_index=True)
    # Who must act now: the grid worker, the property manager or the department's person.
    assignee_openid = fields.CharField(max_length=64, null=True, db_index=True)
    responsible = fields.CharField(max_length=12, default="grid")  # grid | property | department
    department = fields.CharField(max_length=64, null=True)
    property_org = fields.CharField(max_length=64, null=True)
    property_acknowledged_at = fields.DatetimeField(null=True)  # 报到
    accept_due_at = fields.DatetimeField(null=True, db_index=True)
    resolve_due_at = fields.DatetimeField(null=True, db_index=True)
    confirm_due_at = fields.DatetimeField(null=True, db_index=True)  # auto-confirm after 72 h
    escalation_level = fields.IntField(default=0)  # how many times it was escalated
    overdue = fields.BooleanField(default=False)
    last_escalated_at = fields.DatetimeField(null=True)
    # Each SLA step escalates once: the sweep's guard (reset when the case is reopened).
    accept_escalated_at = fields.DatetimeField(null=True)
    resolve_escalated_at = fields.DatetimeField(null=True)
    supporters_count = fields.IntField(default=0)  # residents who +1'd it
    rating = fields.IntField(null=True)  # 1-5
    auto_confirmed = fields.BooleanField(default=False)
    reopen_count = fields.IntField(default=0)
    merged_into = fields.CharField(max_length=12, null=True)
    referral = fields.CharField(max_length=255, default="")  # rejected: who answers instead
    source = fields.CharEnumField(CaseSource, max_length=12, default=CaseSource.CHAT,
                                  db_default=CaseSource.CHAT.value, db_index=True)
    supervised_at = fields.DatetimeField(null=True)  # 督办: the command centre watches it
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    dispatched_at = fields.DatetimeField(null=True)
    # indexed: the figures (bulletin, console overview) count the cases of a period by these
    accepted_at = fields.DatetimeField(null=True, db_index=True)
    resolved_at = fields.DatetimeField(null=True, db_index=True)
    closed_at = fields.DatetimeField(null=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "report_case"


class CaseEvent(Model):
    """One line of a case's history."""

    id = fields.BigIntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "reports.Case", related_name="events", on_delete=fields.CASCADE)
    at = fields.DatetimeField(db_index=True)
    actor_openid = fields.CharField(max_length=64, default="system")
    action = fields.CharField(max_length=32)  # submit, dispatch, accept, resolve, escalate…
    from_status = fields.CharField(max_length=16, null=True)
    to_status = fields.CharField(max_length=16, null=True)
    note = fields.TextField(default="")

    class Meta:
        table = "report_case_event"


# How a +1 came about (``Supporter.via``): offered as a nearby duplicate in chat, sent with a
# location within the category's duplicate radius (API), or made before that rule existed.
# Only these earn the supporter's points; a row made any other way stays "unknown".
SUPPORT_OFFERED, SUPPORT_NEARBY, SUPPORT_LEGACY, SUPPORT_UNKNOWN = (
    "offered", "nearby", "legacy", "unknown")
EARNING_SUPPORTS = frozenset({SUPPORT_OFFERED, SUPPORT_NEARBY, SUPPORT_LEGACY})


class Supporter(Model):
    """A resident who reported the same problem (+1) instead of opening a new case."""

    id = fields.IntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "reports.Case", related_name="supporters", on_delete=fields.CASCADE)
    openid = fields.CharField(max_length=64)
    via = fields.CharField(max_length=16, default=SUPPORT_UNKNOWN, db_default=SUPPORT_UNKNOWN)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "report_supporter"
        unique_together = (("case", "openid"),)


class CaseContact(Model):
    """The caller of a case entered by an operator (代录): private, shown to staff who may act
    on the case, every view audited. Cases from WeChat have none (the reporter is a person)."""

    id = fields.IntField(primary_key=True)
    case: fields.OneToOneRelation[Case] = fields.OneToOneField(
        "reports.Case", related_name="contact", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=64, default="")
    phone = fields.CharField(max_length=32, default="")
    entered_by = fields.CharField(max_length=64)  # the operator's openid
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "report_case_contact"
