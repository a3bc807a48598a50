"""我的数据: everything linli holds about one person, as JSON-ready values.

Walks ``inventory.TABLES`` (rows where any openid column equals the person's), adds the
ledger entries of the person's wallet, where each photo can be fetched, and what Redis
holds (the open conversation, the last message time, the sessions' start times; never a
session's secrets).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from tortoise.expressions import Q

from handlers.privacy.inventory import TABLES, Table
from storage import clock, keys
from storage.kv import KV
from storage.ledger.models import Account, Entry
from storage.redact import hash_openid
from storage.state import decode_state

log = logging.getLogger(__name__)
PHOTO_URL = "/api/v1/photos/{id}"


@dataclass
class Export:
    openid: str
    exported_at: datetime
    sections: dict[str, list[dict[str, Any]]]
    redis: dict[str, Any]

    def counts(self) -> dict[str, int]:
        return {kind: len(rows) for kind, rows in self.sections.items()}

    def as_json(self) -> dict[str, Any]:
        return {"openid": self.openid, "exported_at": self.exported_at.isoformat(),
                "sections": self.sections, "redis": self.redis}


def plain(value: Any) -> Any:
    """A column's value as JSON has it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def rows_of(table: Table, openid: str):
    """The query for the rows of ``table`` that name ``openid`` (exactly)."""
    match = Q()
    for column in table.openid:
        match |= Q(**{column: openid})
    return table.model.filter(match)


async def _section(table: Table, openid: str) -> list[dict[str, Any]]:
    rows = await rows_of(table, openid).order_by("id").values()
    return [{k: plain(v) for k, v in row.items()} for row in rows]


async def _entries(openid: str) -> list[dict[str, Any]]:
    ids = await Account.filter(openid=openid).values_list("id", flat=True)
    rows = await Entry.filter(account_id__in=list(ids)).order_by("seq").values(
        "seq", "transfer__key", "transfer__kind", "transfer__reason", "amount", "created_at")
    return [{k: plain(v) for k, v in row.items()} for row in rows]


async def _redis(kv: KV, openid: str) -> dict[str, Any]:
    state = decode_state(await kv.redis.get(keys.state(kv, openid)))
    seen = await kv.redis.get(keys.seen(kv, openid))
    expired = await kv.redis.get(keys.expired(kv, openid))
    sessions = []
    for digest in sorted(await kv.redis.smembers(keys.sessions_of(kv, openid))):
        digest = digest.decode() if isinstance(digest, bytes) else digest
        raw = await kv.redis.get(keys.session(kv, digest))
        if raw:
            sessions.append({"created_at": json.loads(raw).get("created_at")})
    return {
        "conversation": ({"name": state.conversation, "step": state.step, "data": state.data}
                         if state.active else None),
        "expired_conversation": (expired.decode() if isinstance(expired, bytes) else expired),
        "last_message_at": float(seen) if seen else None,
        "sessions": sessions,
    }


async def export(openid: str, kv: KV) -> Export:
    """Everything about ``openid``; logs the export under the hashed openid."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for table in TABLES:
        if table.exported:
            sections[table.kind] = await _section(table, openid)
    for photo in sections["photos"]:
        photo["url"] = PHOTO_URL.format(id=photo["id"])
    sections["points_entries"] = await _entries(openid)
    found = Export(openid, clock.now(), sections, await _redis(kv, openid))
    log.info("privacy export of #%s: %s rows", hash_openid(openid),
             sum(found.counts().values()))
    return found
