"""Every Open311 parameter checked for length and type before anything uses it.

A value a column could not hold, a date the calendar cannot move by 90 days, an email that is
not one: each is a ``BadRequest`` (the spec's 400 error document), never an exception deeper
down. The use cases then read values known to be sane. Parameters the spec has and linli does
not use (``page``, ``attribute[...]``, any extension) are ignored, as the spec allows; the
transport bounds their size (a request line, a 64 KiB form).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC

from handlers.open311 import texts
from handlers.open311.errors import BadRequest
from handlers.open311.requests import parse_datetime

# The most characters of each parameter: the columns they go into, or what the spec implies.
LIMITS: dict[str, int] = {
    "api_key": 128,  # ours are 43
    "jurisdiction_id": 64,
    "service_code": 32,  # Category.code
    "service_request_id": 16,  # one id: "A" and ten digits at most
    "token": 32,  # Open311Request.token
    "start_date": 40,
    "end_date": 40,
    "status": 32,
    "lat": 32,
    "long": 32,
    "address_string": 255,
    "address_id": 32,  # Building.code
    "email": 254,  # RFC 5321
    "device_id": 64,
    "account_id": 64,  # Open311Request.account_id
    "first_name": 64,
    "last_name": 64,
    "phone": 32,
    "description": 4000,  # the spec's limit
    "media_url": 500,  # Open311Request.media_url
}
MAX_IDS = 200  # service_request_id and service_code are comma separated lists
# Dates a window of 90 days can be built around, and PostgreSQL and SQLite both hold.
EARLIEST, LATEST = 2000, 2999
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+\-() ]+$")
LISTS = ("service_request_id", "service_code")
PATH = {"code": "service_code", "id": "service_request_id", "token": "token"}


def _length(name: str, value: str) -> None:
    limit = LIMITS.get(name)
    if limit is not None and len(value) > limit:
        raise BadRequest(texts.E_TOO_LONG.format(field=name, limit=limit))


def _list(name: str, value: str) -> None:
    items = value.split(",")
    if len(items) > MAX_IDS:
        raise BadRequest(texts.E_TOO_MANY.format(field=name, limit=MAX_IDS))
    for item in items:
        _length(name, item.strip())


def _date(name: str, value: str) -> None:
    _length(name, value)
    parsed = parse_datetime(name, value)
    try:
        year = parsed.astimezone(UTC).year
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is in the year 0
        year = 0
    if not EARLIEST <= year <= LATEST:
        raise BadRequest(texts.E_DATE_RANGE.format(field=name, earliest=EARLIEST,
                                                   latest=LATEST, value=value))


def _checked(name: str, value: str) -> None:
    if name in LISTS:
        _list(name, value)
    elif name in ("start_date", "end_date"):
        _date(name, value)
    else:
        _length(name, value)
    if name == "email" and value.strip() and not _EMAIL.match(value.strip()):
        raise BadRequest(texts.E_BAD_EMAIL)
    if name == "phone" and value.strip() and not _PHONE.match(value.strip()):
        raise BadRequest(texts.E_BAD_PHONE)


def check_path(match_info: Mapping[str, str]) -> None:
    """The ids in a URL (``/services/{code}``, ``/requests/{id}``, ``/tokens/{token}``)."""
    for key, name in PATH.items():
        if key in match_info:
            _length(name, match_info[key])


def check_query(items: Iterable[tuple[str, str]]) -> None:
    """Every value of every known parameter of a GET (repeated ones too)."""
    for name, value in items:
        if value:
            _checked(name, value)


def check_form(form: Mapping[str, str]) -> None:
    """A POSTed service request's fields, before the key is looked at. ``lat``, ``long``
    and the media URL are checked again, by value, when the request is made."""
    for name, value in form.items():
        if value:
            _checked(name, value)

