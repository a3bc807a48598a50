"""Declaring API operations once: the route, its auth, its models, its OpenAPI entry.

A routes module makes ``routes = Routes("tag")`` and decorates handlers::

    @routes.get("/points", response=PointsOut, summary="我的积分")
    async def points(call: Call) -> PointsOut: ...

``bot.api.framework`` routes each declared ``Operation``; ``bot.api.openapi`` builds the
OpenAPI document from the same declarations, so the two cannot drift. ``render`` turns a
handler's answer into the response its operation declares.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from bot import keys
from handlers.context import Services
from storage import sessions
from storage.core.models import Person, Role
from storage.kv import KV

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
    # What the database held for the request's Idempotency-Key, read with the person
    # (``bot.api.people``); None when it was not read.
    previous: Any = None
    # Work that must follow the commit (a confirmation's points) is the use case's own:
    # it registers it with storage.aftercommit.on_commit, and the operation's transaction
    # (storage.dedup.effect, in bot.api.idempotency) runs it once committed.

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
