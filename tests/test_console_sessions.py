"""Web console sessions in Redis (storage.console_sessions): the cookie is opaque, only its hash
is a key; each session has its own CSRF token; revoke one or all; `linli sessions revoke`
ends the console sessions as well as the mini-program's."""

from __future__ import annotations

import hashlib
import json

import pytest

from storage import console_sessions, keys, sessions
from storage.console_sessions import SESSION_TTL
from storage.kv import KV, create_redis
from tests.support.cli import run_cli


async def _all_keys(kv: KV) -> dict[str, bytes]:
    found = {}
    async for key in kv.redis.scan_iter(match=f"{kv.prefix}*", count=500):
        name = key.decode() if isinstance(key, bytes) else key
        if await kv.redis.type(key) in (b"string", "string"):
            found[name] = await kv.redis.get(key)
        else:
            found[name] = b" ".join(sorted(await kv.redis.smembers(key)))
    return found


async def test_create_and_get(kv):
    token = await console_sessions.create(kv, "o-admin")
    session = await console_sessions.get(kv, token)
    assert session is not None
    assert session.openid == "o-admin"
    assert session.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(session.csrf) >= 32 and session.csrf != token
    # Only the hash is stored: the token is in no key and no value.
    stored = await _all_keys(kv)
    assert keys.console_session(kv, session.token_hash) in stored
    assert all(token not in k and token.encode() not in v for k, v in stored.items())
    doc = json.loads(stored[keys.console_session(kv, session.token_hash)])
    assert set(doc) == {"openid", "csrf", "created_at"}
    ttl = await kv.redis.ttl(keys.console_session(kv, session.token_hash))
    assert SESSION_TTL - 5 <= ttl <= SESSION_TTL
    assert 0 < await kv.redis.ttl(keys.console_sessions_of(kv, "o-admin")) <= SESSION_TTL
    # Each session its own CSRF token; read twice, the same.
    other = await console_sessions.get(kv, await console_sessions.create(kv, "o-admin"))
    assert other.csrf != session.csrf
    assert (await console_sessions.get(kv, token)).csrf == session.csrf


async def test_unknown_or_absurd_tokens(kv):
    assert await console_sessions.get(kv, "") is None
    assert await console_sessions.get(kv, "nope") is None
    assert await console_sessions.get(kv, "x" * 1000) is None
    # A mini-program session's token is no console session, and the other way round.
    api_token = await sessions.create(kv, "o-admin", "sk")
    assert await console_sessions.get(kv, api_token) is None
    console_token = await console_sessions.create(kv, "o-admin")
    assert await sessions.get(kv, console_token) is None
    # A broken document is no session.
    digest = hashlib.sha256(b"broken").hexdigest()
    await kv.redis.set(keys.console_session(kv, digest), b"{not json")
    assert await console_sessions.get(kv, "broken") is None


async def test_a_session_ends_with_its_ttl(kv):
    token = await console_sessions.create(kv, "o-admin", ttl=1)
    assert await console_sessions.get(kv, token) is not None
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert 0 < await kv.redis.pttl(keys.console_session(kv, digest)) <= 1000


async def test_revoke_one_and_all(kv):
    first = await console_sessions.create(kv, "o-admin")
    second = await console_sessions.create(kv, "o-admin")
    third = await console_sessions.create(kv, "o-admin")
    other = await console_sessions.create(kv, "o-grid")
    await console_sessions.revoke(kv, await console_sessions.get(kv, first))
    assert await console_sessions.get(kv, first) is None
    assert await console_sessions.get(kv, second) is not None
    assert await console_sessions.revoke_all(kv, "o-admin") == 2
    assert await console_sessions.get(kv, second) is None
    assert await console_sessions.get(kv, third) is None
    assert await console_sessions.get(kv, other) is not None
    assert await kv.redis.exists(keys.console_sessions_of(kv, "o-admin")) == 0
    assert await console_sessions.revoke_all(kv, "o-admin") == 0
    assert await console_sessions.revoke_all(kv, "o-nobody") == 0


async def test_revoke_all_counts_only_live_sessions(kv):
    token = await console_sessions.create(kv, "o-admin")
    await console_sessions.create(kv, "o-admin")
    digest = hashlib.sha256(token.encode()).hexdigest()
    await kv.redis.delete(keys.console_session(kv, digest))  # expired meanwhile
    assert await console_sessions.revoke_all(kv, "o-admin") == 1


@pytest.mark.real_clock  # other processes run on the real time of day
async def test_linli_sessions_revoke_ends_both_kinds(pg_db, redis_prefix):
    env = {"LINLI_DATABASE_URL": pg_db.database_url, "LINLI_REDIS_URL": pg_db.redis_url,
           "LINLI_REDIS_PREFIX": redis_prefix}
    kv = KV(create_redis(pg_db.redis_url), redis_prefix)
    try:
        api = await sessions.create(kv, "o-cli-2", "sk")
        console = [await console_sessions.create(kv, "o-cli-2") for _ in range(2)]
        kept = await console_sessions.create(kv, "o-cli-3")
        result = await run_cli("sessions", "revoke", "o-cli-2", env=env)
        assert result.code == 0, result.err
        assert "revoked 1 session(s) of o-cli-2" in result.out
        assert "revoked 2 console session(s) of o-cli-2" in result.out
        assert await sessions.get(kv, api) is None
        assert all([await console_sessions.get(kv, t) is None for t in console])
        assert await console_sessions.get(kv, kept) is not None
    finally:
        await kv.close()
