"""Tortoise models of the core app (label ``core``)."""

from storage.core.models.console import AuditEntry, ConsoleLink
from storage.core.models.messages import (
    OutboxMessage,
    OutboxStatus,
    ProcessedMessage,
    SubscribeGrant,
)
from storage.core.models.open311 import Open311Key, Open311Request
from storage.core.models.people import AppOpenid, Person, PersonConflict, Role, StaffInvite
from storage.core.models.photos import MediaBlob, Photo, PhotoStatus
from storage.core.models.wishes import Volunteer, Wish, WishEvent, WishKind, WishStatus

__all__ = [
    "AppOpenid",
    "MediaBlob",
    "AuditEntry",
    "ConsoleLink",
    "Open311Key",
    "Open311Request",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "PersonConflict",
    "Photo",
    "PhotoStatus",
    "ProcessedMessage",
    "Role",
    "StaffInvite",
    "SubscribeGrant",
    "Volunteer",
    "Wish",
    "WishEvent",
    "WishKind",
    "WishStatus",
]
