"""Reading an operation's input: the query and the JSON body into its declared pydantic
models (400 ``invalid_request``, 400 ``malformed_json``, 415 for a body that is not JSON), and
the text checks every string of the input passes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aiohttp import hdrs, web
from pydantic import ValidationError

from bot import jsonsafe
from bot.api import texts
from bot.api.errors import ApiError
from bot.api.operations import Operation
from bot.textcheck import unstorable


def _details(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    return [{"field": ".".join([where, *(str(p) for p in e["loc"])]), "problem": problem(e)}
            for e in exc.errors(include_url=False, include_context=True)][:20]


def problem(error: Mapping[str, Any]) -> str:
    """One of pydantic's errors in Chinese, naming the field (its last name in ``loc``)."""
    names = [str(p) for p in error.get("loc", ()) if not isinstance(p, int)]
    field = names[-1] if names else "body"
    context = {k: (v if isinstance(v, (int, float, str)) else str(v))
               for k, v in (error.get("ctx") or {}).items()}
    template = texts.PROBLEMS.get(error.get("type", ""), texts.PROBLEM_OTHER)
    try:
        return template.format(**context, field=field)
    except (KeyError, IndexError):
        return texts.PROBLEM_OTHER.format(field=field)


def invalid(exc: ValidationError, where: str) -> ApiError:
    return ApiError(400, "invalid_request", texts.INVALID_REQUEST, details=_details(exc, where))


def check_text(value: Any, where: str) -> None:
    """400 for any string in ``value`` (nested) that no database could store."""
    if isinstance(value, str):
        if unstorable(value):
            raise ApiError(400, "invalid_request", texts.UNREADABLE_CHARACTERS,
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
        raise invalid(exc, "query") from None


JSON_WHITESPACE = b" \t\r\n"  # RFC 8259's whitespace; an empty body is {}


async def parse_json(op: Operation, request: web.Request) -> Any:
    assert op.body is not None
    raw = await request.read()
    if not raw.strip(JSON_WHITESPACE):  # bytes.strip() would also take \v and \f: no JSON
        raw = b"{}"
    try:
        doc = jsonsafe.loads(raw)
    except jsonsafe.JsonTooDeep:
        raise ApiError(400, "malformed_json",
                       texts.JSON_TOO_DEEP.format(depth=jsonsafe.MAX_DEPTH)) from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", texts.JSON_MALFORMED) from None
    if not isinstance(doc, dict):
        raise ApiError(400, "invalid_request", texts.JSON_NOT_OBJECT)
    check_text(doc, "body")
    try:
        return op.body.model_validate(doc, strict=True)
    except ValidationError as exc:
        raise invalid(exc, "body") from None


async def json_body(op: Operation, request: web.Request) -> Any:
    """The body of an operation that takes JSON: 415 for any other media type (an empty body
    of whatever type is ``{}``), then ``parse_json``."""
    if media_type(request) != "application/json" and await request.read():
        raise ApiError(415, "unsupported_media_type", texts.JSON_ONLY)
    return await parse_json(op, request)


_MEDIA_TYPE = re.compile(r"[a-z0-9!#$&^_.+\-]+/[a-z0-9!#$&^_.+\-]+")


def media_type(request: web.Request) -> str:
    """``request.content_type`` without aiohttp's full parse of the header (the standard
    library's e-mail header parser, a few per cent of a request's CPU) when the type before
    any parameters is plain ``type/subtype``; anything else is parsed as aiohttp does."""
    raw = request.headers.get(hdrs.CONTENT_TYPE)
    if raw is None:
        return request.content_type
    found = raw.partition(";")[0].strip().lower()
    return found if _MEDIA_TYPE.fullmatch(found) else request.content_type


def wants_multipart(request: web.Request) -> bool:
    return media_type(request) == "multipart/form-data"
