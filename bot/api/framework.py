"""Declaring API operations once: the route, its auth, its models, its OpenAPI entry.

A routes module makes ``routes = Routes("tag")`` and decorates handlers::

    @routes.get("/points", response=PointsOut, summary="我的积分")
    async def points(call: Call) -> PointsOut: ...

``dispatch`` wraps each handler with what every operation gets: per-IP and per-person rate
limits, the bearer session (401) and the role check (403), query and body parsing into the
declared pydantic models (400/415), multipart photo uploads (413/415) and, for operations
that change something (``idempotent=True``), the ``Idempotency-Key`` (``bot.api.idempotency``). ``bot.api.openapi``
builds the OpenAPI document from the same declarations, so the two cannot drift.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot import jsonsafe, keys, logs
from bot.api import limits
from bot.api.errors import ApiError
from bot.textcheck import unstorable
from handlers.context import Services
from storage import sessions
from storage.core.models import Person, Role
from storage.kv import KV

log = logging.getLogger(__name__)

STAFF = frozenset({Role.GRID_WORKER, Role.PROPERTY_MANAGER, Role.DEPARTMENT, Role.ADMIN})
ADMIN = frozenset({Role.ADMIN})


@dataclass
class Reply:
    """A handler's answer when the status or headers differ from the operation's default."""

    body: BaseModel | None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    """What a handler gets: the person, the validated input, the services."""

    request: web.Request
    person: Person | None
    session: sessions.Session | None
    params: dict[str, str]
    query: Any = None  # an instance of the operation's ``query`` model
    body: Any = None  # an instance of the operation's ``body`` model
    # This creation's key: from the Idempotency-Key header, else unique to the request.
    # Pass it to ledger operations (``redeem`` …) that are idempotent by key themselves.
    idempotency_key: str = ""
    # Work to do once the operation's transaction has committed (``after_commit``).
    deferred: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def after_commit(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work()`` after the request's transaction commits (never if it rolls back),
        e.g. awarding points, which the ledger does in a transaction of its own. A failure
        is logged; the domain's sweep catches up, as it does after a crash."""
        self.deferred.append(work)

    async def run_deferred(self) -> None:
        for work in self.deferred:
            try:
                await work()
            except Exception:
                log.exception("after-commit work of %s failed", self.request.path)
        self.deferred.clear()

    @property
    def services(self) -> Services:
        return self.request.config_dict[keys.SERVICES]

    @property
    def kv(self) -> KV:
        return self.request.config_dict[keys.KV_STORE]

    @property
    def me(self) -> Person:
        assert self.person is not None, "public operations have no person"
        return self.person


Handler = Callable[[Call], Awaitable[BaseModel | Reply | web.StreamResponse | None]]


@dataclass
class Operation:
    method: str
    path: str  # relative to /api/v1, e.g. "/reports/{number}"
    handler: Handler
    tag: str
    summary: str
    response: type[BaseModel] | None
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    roles: frozenset[Role] | None = None  # None: anyone signed in
    public: bool = False  # no session needed
    idempotent: bool = False  # one transaction, honours Idempotency-Key
    # Multipart: files in the form field ``upload_field`` are stored as photos and their ids
    # put into the body's list field ``upload_into`` (the JSON alternative sends the ids).
    upload_into: str | None = None
    upload_field: str = "photos"
    max_files: int = 3
    multipart_only: bool = False  # no JSON alternative (a plain upload)
    # A file answer: the media types it may have; the handler returns a web.StreamResponse.
    produces: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()  # statuses beyond the ones every operation may answer
    description: str = ""

    @property
    def operation_id(self) -> str:
        return self.handler.__name__

    def statuses(self) -> list[int]:
        found = {self.status, 400, 429, *self.errors}
        if not self.public:
            found.add(401)
        if self.roles is not None:
            found.add(403)
        if "{" in self.path:  # an unknown or malformed id
            found.add(404)
        if self.upload_into:
            found.update((413, 415))
        if self.body is not None:
            found.add(415)
        if self.idempotent:
            found.update((409, 422))
        return sorted(found)


class Routes(list[Operation]):
    """The operations of one routes module, in declaration order."""

    def __init__(self, tag: str) -> None:
        super().__init__()
        self.tag = tag

    def add(self, method: str, path: str, **options: Any) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.append(Operation(method=method, path=path, handler=handler, tag=self.tag,
                                  **options))
            return handler
        return register

    def get(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.add("GET", path, **options)

    def post(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.add("POST", path, **options)

    def put(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.add("PUT", path, **options)

    def delete(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.add("DELETE", path, **options)


def _details(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    return [{"field": ".".join([where, *(str(p) for p in e["loc"])]), "problem": e["msg"]}
            for e in exc.errors(include_url=False, include_context=False)][:20]


def _invalid(exc: ValidationError, where: str) -> ApiError:
    return ApiError(400, "invalid_request", "请求内容有误", details=_details(exc, where))


def check_text(value: Any, where: str) -> None:
    """400 for any string in ``value`` (nested) that no database could store."""
    if isinstance(value, str):
        if unstorable(value):
            raise ApiError(400, "invalid_request", "请求中含有无法识别的字符",
                           details=[{"field": where, "problem": "NUL or an unpaired surrogate"}])
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, where)
            check_text(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_text(item, f"{where}.{i}")


def parse_query(op: Operation, request: web.Request) -> Any:
    if op.query is None:
        return None
    query = dict(request.query)
    check_text(query, "query")
    try:
        return op.query.model_validate(query)
    except ValidationError as exc:
        raise _invalid(exc, "query") from None


async def parse_json(op: Operation, request: web.Request) -> Any:
    assert op.body is not None
    raw = await request.read()
    if not raw.strip():
        raw = b"{}"
    try:
        doc = jsonsafe.loads(raw)
    except jsonsafe.JsonTooDeep:
        raise ApiError(400, "malformed_json",
                       f"请求内容嵌套过深（最多 {jsonsafe.MAX_DEPTH} 层）") from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", "请求内容不是有效的 JSON") from None
    if not isinstance(doc, dict):
        raise ApiError(400, "invalid_request", "请求内容应为 JSON 对象")
    check_text(doc, "body")
    try:
        return op.body.model_validate(doc, strict=True)
    except ValidationError as exc:
        raise _invalid(exc, "body") from None


def wants_multipart(request: web.Request) -> bool:
    return request.content_type == "multipart/form-data"


async def authenticate(request: web.Request) -> tuple[sessions.Session, Person]:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="linli"'}
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "请先登录", headers=challenge)
    kv = request.config_dict[keys.KV_STORE]
    session = await sessions.get(kv, token.strip())
    if session is None:
        raise ApiError(401, "session_expired", "登录已失效，请重新登录", headers=challenge)
    person = await Person.get_or_none(openid=session.openid)
    if person is None:  # removed since: the session is worthless
        await sessions.revoke(kv, session)
        raise ApiError(401, "session_expired", "登录已失效，请重新登录", headers=challenge)
    return session, person


def render(op: Operation, result: BaseModel | Reply | web.StreamResponse | None
           ) -> web.StreamResponse:
    if isinstance(result, web.StreamResponse):
        assert op.produces, f"{op.operation_id} answers a file but declares no media type"
        return result
    reply = result if isinstance(result, Reply) else Reply(result)
    status = reply.status or op.status
    if reply.body is None or status == 204:
        return web.Response(status=status, headers=reply.headers)
    if op.response is not None and not isinstance(reply.body, op.response):
        raise TypeError(f"{op.operation_id} returned {type(reply.body).__name__}, "
                        f"declared {op.response.__name__}")
    text = reply.body.model_dump_json(by_alias=True)
    return web.Response(status=status, text=text, content_type="application/json",
                        headers=reply.headers)


def dispatch(op: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    from bot.api import idempotency  # it imports this module

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
                raise ApiError(403, "forbidden", "没有权限进行这个操作")
        params = dict(request.match_info)
        check_text(params, "path")
        call = Call(request, person, session, params, query=parse_query(op, request))
        if op.idempotent:
            return await idempotency.run(op, call)
        if op.body is not None:
            if request.content_type != "application/json" and await request.read():
                raise ApiError(415, "unsupported_media_type", "请以 application/json 提交")
            call.body = await parse_json(op, request)
        response = render(op, await op.handler(call))
        await call.run_deferred()
        return response

    endpoint.__name__ = op.operation_id
    return endpoint
