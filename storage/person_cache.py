"""A short-lived snapshot of a person's row in Redis, read in the same round trip as their
conversation state, so an ordinary message needs no database query.

The pipeline refreshes it after every message and drops it whenever the message changed
anything in the database; changes made elsewhere (the CLI, another person's action) show
within ``TTL`` seconds. Authorisation that must be exact re-reads the row in its transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from storage.core.models import Person

TTL = 30
FIELDS = ("id", "openid", "role", "name", "phone", "grid", "org", "building", "subscribed",
          "last_message_at", "created_at", "updated_at")
TIMES = ("last_message_at", "created_at", "updated_at")  # kept as Unix seconds: cheap to read


def encode(person: Person) -> str:
    doc = {}
    for name in FIELDS:
        value = getattr(person, name)
        doc[name] = value.timestamp() if isinstance(value, datetime) else (
            value.value if hasattr(value, "value") else value)
    return orjson.dumps(doc).decode()


def decode(raw: bytes | str | None) -> Person | None:
    if not raw:
        return None
    try:
        doc = orjson.loads(raw)
        for name in TIMES:
            if doc[name] is not None:
                doc[name] = datetime.fromtimestamp(doc[name], UTC)
        return Person._init_from_db(**doc)
    except (ValueError, KeyError, TypeError):
        return None  # an old or damaged snapshot: read the database instead
