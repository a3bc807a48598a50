"""Web console (指挥中心) sessions: an opaque cookie value in Redis with a TTL, revocable.

Modelled on the mini-program's ``storage.sessions``: only the token's SHA-256 is a key, so a
Redis dump holds no usable cookie. Each session carries its own CSRF token (sent back by
every changing request). Every session of a person is listed under their openid, so all of
them end at once (``linli sessions revoke``, a role withdrawn).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from storage import keys, sessions
from storage.kv import KV

SESSION_TTL = 12 * 3600
MAX_TOKEN = 128


@dataclass(frozen=True)
class ConsoleSession:
    openid: str
    csrf: str
    created_at: float  # Unix seconds
    token_hash: str


async def create(kv: KV, openid: str, ttl: int = SESSION_TTL) -> str:
    """A new session for ``openid``; returns the token (the cookie value, shown once)."""
    return await sessions.store(kv, keys.console_session, keys.console_sessions_of, openid,
                                {"openid": openid, "csrf": secrets.token_urlsafe(32),
                                 "created_at": time.time()}, ttl)


async def get(kv: KV, token: str) -> ConsoleSession | None:
    """The live session of a cookie value; None for anything else."""
    found = await sessions.load(kv, keys.console_session, token, MAX_TOKEN)
    if found is None:
        return None
    doc, digest = found
    try:
        return ConsoleSession(str(doc["openid"]), str(doc["csrf"]), float(doc["created_at"]),
                              digest)
    except (ValueError, KeyError, TypeError):
        return None


async def revoke(kv: KV, session: ConsoleSession) -> None:
    await sessions.drop(kv, keys.console_session, keys.console_sessions_of, session.openid,
                        session.token_hash)


async def revoke_all(kv: KV, openid: str) -> int:
    """End every console session of ``openid``; returns how many were live."""
    return await sessions.drop_all(kv, keys.console_session, keys.console_sessions_of, openid)


FORM_TTL = 24 * 3600


async def claim_form(kv: KV, openid: str, once: str) -> bool:
    """Take a form's one-time field: False if that form was already submitted (a double
    click, a replay), so its action runs once."""
    if not once or len(once) > MAX_TOKEN:
        return True
    return bool(await kv.redis.set(keys.console_form(kv, openid, once), b"1", nx=True,
                                   ex=FORM_TTL))


async def release_form(kv: KV, openid: str, once: str) -> None:
    """The form's action was refused (nothing changed): it may be sent again."""
    if once and len(once) <= MAX_TOKEN:
        await kv.redis.delete(keys.console_form(kv, openid, once))
