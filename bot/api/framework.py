"""What every API operation gets around its handler (``dispatch``): per-IP and per-person
rate limits, the bearer session (401) and the role check (403), query and body parsing into
the declared pydantic models (400/415, ``bot.api.inputs``), and, for operations that change
something (``idempotent=True``), multipart photo uploads (413/415) and the
``Idempotency-Key`` (``bot.api.idempotency``). The operations themselves are declared with
``bot.api.operations``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot import keys, logs
from bot.api import idempotency, limits, texts
from bot.api.errors import ApiError
from bot.api.inputs import check_text, json_body, parse_query
from bot.api.operations import Call, Operation, render
from storage import sessions
from storage.core.models import Person


async def authenticate(request: web.Request) -> tuple[sessions.Session, Person]:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="linli"'}
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", texts.LOGIN_FIRST, headers=challenge)
    kv = request.config_dict[keys.KV_STORE]
    session = await sessions.get(kv, token.strip())
    if session is None:
        raise ApiError(401, "session_expired", texts.SESSION_EXPIRED, headers=challenge)
    person = await Person.get_or_none(openid=session.openid)
    if person is None:  # removed since: the session is worthless
        await sessions.revoke(kv, session)
        raise ApiError(401, "session_expired", texts.SESSION_EXPIRED, headers=challenge)
    return session, person


def dispatch(op: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        settings = request.config_dict[keys.SETTINGS]
        kv = request.config_dict[keys.KV_STORE]
        await limits.check_ip(kv, request, settings)
        session = person = None
        if not op.public:
            session, person = await authenticate(request)
            logs.about(person.openid)
            await limits.check_person(kv, person.openid, op.method, settings)
            if op.roles is not None and person.role not in op.roles:
                raise ApiError(403, "forbidden", texts.FORBIDDEN)
        params = dict(request.match_info)
        check_text(params, "path")
        call = Call(request, person, session, params, query=parse_query(op, request))
        if op.idempotent:
            return await idempotency.run(op, call)
        if op.body is not None:
            call.body = await json_body(op, request)
        return render(op, await op.handler(call))

    endpoint.__name__ = op.operation_id
    return endpoint
