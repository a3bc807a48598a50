"""Idempotency keys: the same key with the same parameters gives back the first result."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from tortoise.exceptions import IntegrityError

from rewards.errors import IdempotencyConflict
from storage.redact import hash_openid

T = TypeVar("T")
R = TypeVar("R", bound="Keyed")


class Keyed(Protocol):
    key: str
    fingerprint: str


def fingerprint(**params: Any) -> str:
    """A stable hash of the parameters a keyed write was asked to do."""
    blob = json.dumps(
        params, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def check(row: Keyed, fp: str) -> None:
    if row.fingerprint != fp:
        # Keys may hold openids (``api:<openid>:...``): the message names the key's hash.
        raise IdempotencyConflict(f"key #{hash_openid(row.key)} was used with other parameters",
                                  key=row.key)


async def once(
    model: Any,
    key: str,
    fp: str,
    write: Callable[[], Awaitable[T]],
    replay: Callable[[Any], Awaitable[T]],
) -> T:
    """Do ``write()`` unless ``model`` already has a row with ``key``; then ``replay(row)``.

    ``write`` must insert the ``model`` row with ``key`` and ``fp`` in its transaction, so a
    concurrent duplicate fails on the unique key and is answered from the winner's row.
    """
    row = await model.get_or_none(key=key)
    if row is None:
        try:
            return await write()
        except IntegrityError:
            row = await model.get_or_none(key=key)
            if row is None:
                raise
    check(row, fp)
    return await replay(row)
