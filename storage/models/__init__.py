"""Tortoise models of the core app (label ``core``)."""

from storage.models.messages import OutboxMessage, OutboxStatus, ProcessedMessage
from storage.models.people import Person, Role, StaffInvite

__all__ = [
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "ProcessedMessage",
    "Role",
    "StaffInvite",
]
