"""Refusals, each with the HTTP status the GeoReport v2 spec gives it."""

from __future__ import annotations


class Open311Error(Exception):
    status = 400

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class BadRequest(Open311Error):
    status = 400


class Forbidden(Open311Error):
    """A missing, unknown or revoked api_key."""

    status = 403


class NotFound(Open311Error):
    status = 404


class TooMany(Open311Error):
    status = 429


class KeyAdminError(Exception):
    """An operator's key command that cannot be done (a name in use, an unknown key)."""
