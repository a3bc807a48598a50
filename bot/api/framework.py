"""What every API operation gets around its handler (``dispatch``): per-IP and per-person
rate limits, the bearer session (401) and the role check (403), query and body parsing into
the declared pydantic models (400/415, ``bot.api.inputs``), and, for operations that change
something (``idempotent=True``), multipart photo uploads (413/415) and the
``Idempotency-Key`` (``bot.api.idempotency``). The operations themselves are declared with
``bot.api.operations``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot import keys, logs
from bot.api import idempotency, limits, people, texts
from bot.api.errors import ApiError
from bot.api.inputs import check_text, json_body, parse_query
from bot.api.operations import Call, Operation, render
from bot.config import Settings
from storage import keys as redis_keys
from storage import sessions
from storage.core.models import Person
from storage.kv import KV

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="linli"'}
MAX_TOKEN = 128  # as storage.sessions reads a token


def _bearer(request: web.Request) -> str | None:
    """The bearer token of the request, or None for a missing or malformed header."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _session(raw: bytes | None, digest: str) -> sessions.Session | None:
    """The session stored under a token's hash (``storage.sessions``), None for anything else."""
    if raw is None:
        return None
    try:
        doc = json.loads(raw)
        return sessions.Session(doc["openid"], doc["session_key"], float(doc["created_at"]),
                                digest)
    except (ValueError, KeyError, TypeError):
        return None


@dataclass
class Caller:
    session: sessions.Session
    person: Person
    previous: people.Previous | None  # the Idempotency-Key's record, when one was read
    entry: limits.Entry  # the person's counts, judged after the person is known


async def authenticate(request: web.Request, kv: KV, settings: Settings,
                       op: Operation) -> Caller:
    """Count the request against its address (429), read its bearer's session and count it
    against the person the session names, in one round trip to Redis (401 without a
    session); then the person's row (fresh on every request: a role changed in the database
    counts at once) - for an ``idempotent`` operation with an ``Idempotency-Key``, with the
    key's record in the same statement."""
    token = _bearer(request)
    digest = (hashlib.sha256(token.encode()).hexdigest()
              if token is not None and len(token) <= MAX_TOKEN else None)
    entry = await limits.enter(kv, request, settings,
                               redis_keys.session(kv, digest) if digest else None, op.method)
    raw = entry.session
    if token is None:
        raise ApiError(401, "unauthorized", texts.LOGIN_FIRST, headers=CHALLENGE)
    session = _session(raw, digest) if digest else None
    if session is None:
        raise ApiError(401, "session_expired", texts.SESSION_EXPIRED, headers=CHALLENGE)
    header = idempotency.valid_header(request) if op.idempotent else None
    person, previous = await people.person_and_previous(
        session.openid,
        idempotency.dedup_key(session.openid, header) if header is not None else None)
    if person is None:  # removed since: the session is worthless
        await sessions.revoke(kv, session)
        raise ApiError(401, "session_expired", texts.SESSION_EXPIRED, headers=CHALLENGE)
    return Caller(session, person, previous, entry)


def dispatch(op: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        settings = request.config_dict[keys.SETTINGS]
        kv = request.config_dict[keys.KV_STORE]
        session = person = previous = None
        if op.public:
            await limits.check_ip(kv, request, settings)
        else:
            caller = await authenticate(request, kv, settings, op)
            session, person, previous = caller.session, caller.person, caller.previous
            logs.about(person.openid)
            await limits.check_entry(kv, caller.entry, person.openid, op.method, settings)
            if op.roles is not None and person.role not in op.roles:
                raise ApiError(403, "forbidden", texts.FORBIDDEN)
        params = dict(request.match_info)
        check_text(params, "path")
        call = Call(request, person, session, params, query=parse_query(op, request),
                    previous=previous)
        if op.idempotent:
            return await idempotency.run(op, call)
        if op.body is not None:
            call.body = await json_body(op, request)
        return render(op, await op.handler(call))

    endpoint.__name__ = op.operation_id
    return endpoint
