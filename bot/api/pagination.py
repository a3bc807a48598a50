"""Cursor pagination: ``?limit=&cursor=`` in, ``{"items": [...], "next_cursor": ...}`` out.

A cursor is opaque to clients: the sort key of the last item returned (usually its id),
base64url-encoded JSON. Keyset pages stay correct while rows are added, unlike offsets.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from bot import jsonsafe
from bot.api import texts
from bot.api.errors import ApiError

T = TypeVar("T")
MAX_LIMIT = 100


class PageQuery(BaseModel):
    # An unknown parameter is a 400: a typo (?cursr=) should not silently give page one.
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="每页条数 (1-100)")
    cursor: str | None = Field(None, max_length=200,
                               description="上一页返回的 next_cursor；第一页不传")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="下一页的游标；没有更多时为 null")


def encode_cursor(value: Any) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Any:
    """The value ``encode_cursor`` packed, or None for the first page; 400 if garbled."""
    if cursor is None or cursor == "":
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return jsonsafe.loads(base64.urlsafe_b64decode(padded.encode()), max_depth=4)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "bad_cursor", texts.BAD_CURSOR) from None


def cursor_id(query: PageQuery, maximum: int = 2 ** 63 - 1) -> int | None:
    """The common case: the cursor is the id of the last item (pages go by id, newest first).

    ``maximum`` is the largest id the column holds (2**31 - 1 for an IntField): a made-up
    cursor beyond it is a 400, not an overflow in the database.
    """
    value = decode_cursor(query.cursor)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
        raise ApiError(400, "bad_cursor", texts.BAD_CURSOR)
    return value


def page(rows: Sequence[Any], limit: int, convert: Callable[[Any], T],
         key: Callable[[Any], Any] = lambda row: row.id) -> tuple[list[T], str | None]:
    """Items and next cursor from ``rows`` fetched with ``limit + 1``."""
    more = len(rows) > limit
    shown = list(rows[:limit])
    return [convert(r) for r in shown], encode_cursor(key(shown[-1])) if more and shown else None
