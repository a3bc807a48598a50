"""A short-lived snapshot of a person's row in Redis, read in the same round trip as their
conversation state, so an ordinary message needs no database query.

The pipeline writes it when a message read the row from the database (or wrote the time of
the person's message into it), leaves it and its expiry alone when a message only used it,
and drops it whenever a message changed anything in the database; so changes made elsewhere
(the CLI, another person's action) show within ``TTL`` seconds, however often the person
writes. Authorisation that must be exact re-reads the row in its transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from tortoise import fields

from storage.core.models import Person, Role

TTL = 30
# Every column of the row, from the model itself: a snapshot missing one (``app`` and
# ``unionid`` were once added to Person and not here) made tortoise build a partial model,
# without those attributes, through its slow path.
FIELDS = tuple(Person._meta.fields_db_projection.values())
_KEYS = frozenset(FIELDS)
TIMES = tuple(column for name, column in Person._meta.fields_db_projection.items()
              if isinstance(Person._meta.fields_map[name], fields.DatetimeField))
# Person's attributes are named as its columns: the snapshot's values (converted by
# ``decode``) become the model's attributes directly.
_DIRECT = all(name == column for name, column in Person._meta.fields_db_projection.items())
_CUSTOM_PK = Person._meta.db_pk_column not in Person._meta.generated_db_fields


def encode(person: Person) -> str:
    doc = {}
    for name, column in Person._meta.fields_db_projection.items():
        value = getattr(person, name)
        doc[column] = value.timestamp() if isinstance(value, datetime) else (
            value.value if hasattr(value, "value") else value)
    return orjson.dumps(doc).decode()


def decode(raw: bytes | str | None) -> Person | None:
    if not raw:
        return None
    try:
        doc = orjson.loads(raw)
        if doc.keys() != _KEYS:  # written before a column existed: read the database
            return None
        for name in TIMES:
            if doc[name] is not None:
                doc[name] = datetime.fromtimestamp(doc[name], UTC)
        doc["role"] = Role(doc["role"])
        if type(doc["id"]) is not int or type(doc["subscribed"]) is not bool:
            return None
        return _model(doc)
    except (ValueError, KeyError, TypeError):
        return None  # an old or damaged snapshot: read the database instead


def _model(doc: dict) -> Person:
    """The row as tortoise's ``Model._init_from_db`` builds it from a database row, without
    its per-field conversions, which the snapshot's values have had already (the whole
    decode: 3.7 us instead of 12; tests/test_person_snapshot.py compares the two)."""
    if not _DIRECT:  # pragma: no cover - a renamed column: tortoise's own way
        return Person._init_from_db(**doc)
    person = Person.__new__(Person)
    state = person.__dict__
    state.update(doc)
    state.update(_partial=False, _saved_in_db=True, _await_when_save={},
                 _custom_generated_pk=_CUSTOM_PK)
    return person
