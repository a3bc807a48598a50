"""Mini-program sessions: an opaque bearer token in Redis with a TTL, revocable.

Only the token's SHA-256 is a key, so a Redis dump holds no usable token. WeChat's
``session_key`` is kept with the session (it decrypts data the mini-program hands over later)
and never leaves the server. Every session of a person is listed under their openid, so all
of them can be revoked at once (a role change, a lost phone).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage import keys
from storage.kv import KV

DEFAULT_TTL = 7 * 24 * 3600


@dataclass(frozen=True)
class Session:
    openid: str
    session_key: str
    created_at: float  # Unix seconds
    token_hash: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- a token store both kinds of session use (this module's, and storage.console_sessions) --

KeyOf = Callable[[KV, str], str]  # (kv, token hash or openid) -> the Redis key


async def store(kv: KV, session_key: KeyOf, sessions_key: KeyOf, openid: str,
                doc: dict[str, Any], ttl: int) -> str:
    """Keep ``doc`` under a new token's hash for ``ttl`` s, listed under ``openid``; returns
    the token (shown to the client once)."""
    token = secrets.token_urlsafe(32)
    digest = _hash(token)
    async with kv.redis.pipeline(transaction=True) as pipe:
        pipe.set(session_key(kv, digest), json.dumps(doc), ex=ttl)
        pipe.sadd(sessions_key(kv, openid), digest)
        pipe.expire(sessions_key(kv, openid), ttl)
        await pipe.execute()
    return token


async def load(kv: KV, session_key: KeyOf, token: str,
               max_token: int = 128) -> tuple[dict[str, Any], str] | None:
    """The document of a live token and the token's hash; None for anything else."""
    if not token or len(token) > max_token:
        return None
    digest = _hash(token)
    raw = await kv.redis.get(session_key(kv, digest))
    if raw is None:
        return None
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    return (doc, digest) if isinstance(doc, dict) else None


async def drop(kv: KV, session_key: KeyOf, sessions_key: KeyOf, openid: str,
               digest: str) -> None:
    async with kv.redis.pipeline(transaction=True) as pipe:
        pipe.delete(session_key(kv, digest))
        pipe.srem(sessions_key(kv, openid), digest)
        await pipe.execute()


async def drop_all(kv: KV, session_key: KeyOf, sessions_key: KeyOf, openid: str) -> int:
    """End every session of ``openid`` listed under ``sessions_key``; how many were live."""
    digests = await kv.redis.smembers(sessions_key(kv, openid))
    async with kv.redis.pipeline(transaction=True) as pipe:
        for digest in digests:
            pipe.delete(session_key(kv, digest.decode() if isinstance(digest, bytes)
                                    else digest))
        pipe.delete(sessions_key(kv, openid))
        results = await pipe.execute()
    return sum(int(bool(r)) for r in results[:-1])


# -- mini-program sessions --------------------------------------------------------------------


async def create(kv: KV, openid: str, session_key: str, ttl: int = DEFAULT_TTL) -> str:
    """A new session for ``openid``; returns the token (shown to the client once)."""
    return await store(kv, keys.session, keys.sessions_of, openid,
                       {"openid": openid, "session_key": session_key,
                        "created_at": time.time()}, ttl)


async def get(kv: KV, token: str) -> Session | None:
    found = await load(kv, keys.session, token)
    if found is None:
        return None
    doc, digest = found
    try:
        return Session(doc["openid"], doc["session_key"], float(doc["created_at"]), digest)
    except (ValueError, KeyError, TypeError):
        return None


async def revoke(kv: KV, session: Session) -> None:
    await drop(kv, keys.session, keys.sessions_of, session.openid, session.token_hash)


async def revoke_all(kv: KV, openid: str) -> int:
    """End every session of ``openid``; returns how many there were."""
    return await drop_all(kv, keys.session, keys.sessions_of, openid)
