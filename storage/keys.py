"""Every Redis key linli writes, one builder per key family: its shape, value and lifetime.

Every key lives under the ``KV`` prefix (``linli:`` in production; each test run has its
own). The strings are part of the stored data: keys written by a running version, and the
Lua scripts in ``storage.turn`` (which get them as ``KEYS``), must keep meeting the same
names, so a builder's output never changes.
"""

from __future__ import annotations

from storage.kv import KV

# --- one inbound message and its person (storage.turn, storage.dedup) ---


def msg(kv: KV, dedup_key: str) -> str:
    """``<prefix>msg:<dedup_key>``: a message's claim, then its reply.

    While handled: ``PENDING:<token>`` under a lease of ``turn.LEASE_MS`` ms that its owner
    renews; once answered: the reply (or ``NO_REPLY``) for ``dedup.DEDUP_TTL`` s.
    """
    return kv.key("msg", dedup_key)


def lock(kv: KV, openid: str) -> str:
    """``<prefix>lock:<openid>``: the person's lock, a random token under a lease of
    ``turn.LEASE_MS`` ms (PX) that its owner renews; one message at a time per person."""
    return kv.key("lock", openid)


def seen(kv: KV, openid: str) -> str:
    """``<prefix>seen:<openid>``: Unix seconds of the person's last message, for
    ``presence.WINDOW_SECONDS`` (WeChat's 48 h customer-service window)."""
    return kv.key("seen", openid)


def cs_sent(kv: KV, openid: str, window: str) -> str:
    """``<prefix>cs:<openid>:<window>``: customer-service messages sent to the person since
    their message at ``window`` (the ``seen`` value), counted by ``handlers.push.budget``;
    kept 48 h (WeChat's window), a new message of theirs starts a new key."""
    return kv.key("cs", openid, window)


def state(kv: KV, openid: str) -> str:
    """``<prefix>state:<openid>``: the person's conversation state (JSON), for the
    conversation timeout; absent when no conversation is open."""
    return kv.key("state", openid)


def expired(kv: KV, openid: str) -> str:
    """``<prefix>expired:<openid>``: what to tell the person when their conversation has
    timed out (a sentence naming the draft and, within the draft retention cap, its text).
    Written with the state, for longer (``handlers.pipeline.EXPIRED_MEMORY``, capped by
    ``LINLI_RETENTION_DRAFT_HOURS``); deleted when the conversation ends, taken (GETDEL) by
    the first message the conversation cannot answer any more."""
    return kv.key("expired", openid)


def person(kv: KV, openid: str) -> str:
    """``<prefix>person:<openid>``: a snapshot of the person's row (JSON, see
    ``storage.person_cache``) for ``person_cache.TTL`` s."""
    return kv.key("person", openid)


def identity(kv: KV, app: str, openid: str) -> str:
    """``<prefix>identity:<app>:<openid>``: the person key (``Person.openid``) an app's openid
    belongs to, cached by ``handlers.identity`` (a day; minutes after a failed UnionID look-up);
    deleted when people are joined or erased."""
    return kv.key("identity", app, openid)


def turn(kv: KV, openid: str) -> list[str]:
    """The person's keys in the order ``storage.turn``'s scripts take them:
    lock, seen, state, person."""
    return [lock(kv, openid), seen(kv, openid), state(kv, openid), person(kv, openid)]


# --- notices waiting for the person's next reply (handlers/push) ---


def notice(kv: KV, openid: str) -> str:
    """``<prefix>notice:<openid>``: ``1`` while notices wait to be added to the person's
    next reply; 30 days at most."""
    return kv.key("notice", openid)


# --- mini-program sessions (storage.sessions) ---


def session(kv: KV, token_hash: str) -> str:
    """``<prefix>sess:<sha256 of the token>``: the session (JSON) for its TTL (7 days)."""
    return kv.key("sess", token_hash)


def sessions_of(kv: KV, openid: str) -> str:
    """``<prefix>sess-of:<openid>``: the set of the person's session hashes, expiring with
    their newest session."""
    return kv.key("sess-of", openid)


# --- web console sessions (storage.console_sessions) ---


def console_session(kv: KV, token_hash: str) -> str:
    """``<prefix>console-sess:<sha256 of the cookie>``: a console session (JSON: openid,
    csrf token, created_at) for its TTL (``console_sessions.SESSION_TTL``, 12 h)."""
    return kv.key("console-sess", token_hash)


def console_sessions_of(kv: KV, openid: str) -> str:
    """``<prefix>console-sess-of:<openid>``: the set of the person's console session hashes,
    expiring with their newest session."""
    return kv.key("console-sess-of", openid)


# --- fixed-window counters (storage.ratelimit) ---


def rate(kv: KV, name: str) -> str:
    """``<prefix>rl:<name>``: a counter for the window's length (``EXPIRE`` at the first
    count). The names follow."""
    return kv.key("rl", name)


def rate_api_ip(address: str) -> str:
    """API requests per client address: ``api-ip:<address>``."""
    return f"api-ip:{address}"


def rate_api_person(openid: str) -> str:
    """API requests per person: ``api-person:<openid>``."""
    return f"api-person:{openid}"


def rate_api_write(openid: str) -> str:
    """API writes per person: ``api-write:<openid>``."""
    return f"api-write:{openid}"


def rate_api_login(address: str) -> str:
    """Mini-program logins per client address: ``api-login:<address>``."""
    return f"api-login:{address}"


def rate_open311_post(key_id: int | str) -> str:
    """Open311 requests posted per API key: ``open311:post:<key id>``."""
    return f"open311:post:{key_id}"


def rate_guesses(kind: str, openid: str | None) -> str:
    """Wrong codes under a cap (``handlers.guesses``): ``<kind>:<openid>`` per person,
    ``<kind>`` across everyone (``openid`` None)."""
    return f"{kind}:{openid}" if openid is not None else kind


# --- processes (bot) ---


def lease(kv: KV, name: str) -> str:
    """``<prefix>lease:<name>``: which process runs ``name`` (the scheduler), its owner's
    token under a PX lease the owner renews (30 s)."""
    return kv.key("lease", name)


def wechat_token(kv: KV, appid: str) -> str:
    """``<prefix>wechat:token:<appid>``: the app's access_token (JSON), until a margin
    before WeChat's expiry (PX)."""
    return kv.key("wechat", "token", appid)


def wechat_token_lock(kv: KV, appid: str) -> str:
    """``<prefix>wechat:token:<appid>:lock``: the one process refreshing the token, its
    owner's token under a PX lease (the policy's ``lock_ttl``)."""
    return kv.key("wechat", "token", appid, "lock")


def wechat_token_forced(kv: KV, appid: str) -> str:
    """``<prefix>wechat:token:<appid>:forced``: ``1`` for the policy's ``force_interval``
    (PX) after a forced refresh: at most one forced refresh per interval."""
    return kv.key("wechat", "token", appid, "forced")


# --- 我的数据: the one-time download link (handlers/privacy) ---


def privacy_export(kv: KV, token_hash: str) -> str:
    """``<prefix>privacy-export:<sha256 of the token>``: the openid whose export the link
    serves, once, for ``handlers.privacy.service.LINK_TTL`` s (24 h)."""
    return kv.key("privacy-export", token_hash)


def privacy_export_of(kv: KV, openid: str) -> str:
    """``<prefix>privacy-export-of:<openid>``: the hash of the person's live download link
    (a new 我的数据 replaces it; erasure deletes both), same lifetime."""
    return kv.key("privacy-export-of", openid)


def console_form(kv: KV, openid: str, once: str) -> str:
    """``<prefix>console-form:<openid>:<once>``: a console form already submitted (its
    one-time field ``once``), for ``console_sessions.FORM_TTL``: a double click or a replayed
    form acts once."""
    return kv.key("console-form", openid, once)
