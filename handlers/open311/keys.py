"""API keys of Open311 clients: shown once at creation, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import re
import secrets

from tortoise.exceptions import IntegrityError

from handlers.open311 import texts
from handlers.open311.errors import Forbidden, KeyAdminError
from storage import clock
from storage.core.models import Open311Key

# 1-40 letters (Chinese too: 12345热线), digits, '_', '.' or '-', starting with a letter or digit:
# no spaces, no punctuation that would need quoting in a shell or a log.
NAME = re.compile(r"^[^\W_][\w.-]{0,39}$")


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def create_key(name: str) -> tuple[Open311Key, str]:
    """A new key named ``name``; the raw key is returned here and never again."""
    if not NAME.fullmatch(name):
        raise KeyAdminError("name must be 1-40 letters (Chinese too), digits, '_', '.' or '-', "
                            "starting with a letter or digit")
    raw = secrets.token_urlsafe(32)
    try:
        key = await Open311Key.create(name=name, key_hash=key_hash(raw))
    except IntegrityError:
        raise KeyAdminError(f"a key named {name} exists (names are never reused)") from None
    return key, raw


async def list_keys() -> list[Open311Key]:
    return await Open311Key.all().order_by("id")


async def revoke_key(name_or_id: str) -> tuple[Open311Key, bool]:
    """Revoke by name (or id); False when it was revoked already."""
    key = await Open311Key.get_or_none(name=name_or_id)
    if key is None and name_or_id.isdigit():
        key = await Open311Key.get_or_none(id=int(name_or_id))
    if key is None:
        raise KeyAdminError(f"no key named {name_or_id}")
    if key.revoked_at is not None:
        return key, False
    key.revoked_at = clock.now()
    await key.save(update_fields=["revoked_at"])
    return key, True


async def authenticate(raw: str | None) -> Open311Key:
    """The live key ``raw`` stands for (its use recorded), else ``Forbidden``."""
    if not raw:
        raise Forbidden(texts.E_NO_KEY)
    key = await Open311Key.get_or_none(key_hash=key_hash(raw))
    if key is None or key.revoked_at is not None:
        raise Forbidden(texts.E_BAD_KEY)
    key.last_used_at = clock.now()
    await Open311Key.filter(id=key.id).update(last_used_at=key.last_used_at)
    return key
