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
from dataclasses import dataclass

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


async def create(kv: KV, openid: str, session_key: str, ttl: int = DEFAULT_TTL) -> str:
    """A new session for ``openid``; returns the token (shown to the client once)."""
    token = secrets.token_urlsafe(32)
    digest = _hash(token)
    doc = json.dumps({"openid": openid, "session_key": session_key, "created_at": time.time()})
    async with kv.redis.pipeline(transaction=True) as pipe:
        pipe.set(keys.session(kv, digest), doc, ex=ttl)
        pipe.sadd(keys.sessions_of(kv, openid), digest)
        pipe.expire(keys.sessions_of(kv, openid), ttl)
        await pipe.execute()
    return token


async def get(kv: KV, token: str) -> Session | None:
    if not token or len(token) > 128:
        return None
    digest = _hash(token)
    raw = await kv.redis.get(keys.session(kv, digest))
    if raw is None:
        return None
    try:
        doc = json.loads(raw)
        return Session(doc["openid"], doc["session_key"], float(doc["created_at"]), digest)
    except (ValueError, KeyError, TypeError):
        return None


async def revoke(kv: KV, session: Session) -> None:
    async with kv.redis.pipeline(transaction=True) as pipe:
        pipe.delete(keys.session(kv, session.token_hash))
        pipe.srem(keys.sessions_of(kv, session.openid), session.token_hash)
        await pipe.execute()


async def revoke_all(kv: KV, openid: str) -> int:
    """End every session of ``openid``; returns how many there were."""
    digests = await kv.redis.smembers(keys.sessions_of(kv, openid))
    async with kv.redis.pipeline(transaction=True) as pipe:
        for digest in digests:
            pipe.delete(keys.session(kv, digest.decode() if isinstance(digest, bytes) else digest))
        pipe.delete(keys.sessions_of(kv, openid))
        results = await pipe.execute()
    return sum(int(bool(r)) for r in results[:-1])
