"""Operations that create something: one effect per ``Idempotency-Key``, replayed after.

The handler runs inside ``storage.dedup.effect`` (the chat's exactly-once transaction): the
key's row, everything the handler writes and the response it gave commit together. A repeat
with the same key and the same request gets the stored response again (``Idempotent-Replayed:
true``); the same key with a different request is a 422. Two deliveries at once give one
effect: the second waits on the key's unique row and replays the first one's response. A
request that fails stores nothing, so it may be retried with the same key. Work the use
cases register with ``storage.aftercommit.on_commit`` (a confirmation's points) runs once the
transaction commits, never for a replay.

Without the header the request still runs in one transaction, under a key of its own.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from pydantic import ValidationError

from bot import keys
from bot.api import texts
from bot.api.errors import ApiError
from bot.api.inputs import check_text, invalid, json_body, wants_multipart
from bot.api.operations import Call, Operation, render
from bot.api.people import Previous
from handlers import photos
from storage.core.models import ProcessedMessage
from storage.dedup import AlreadyHandled, effect

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
FIELD_LIMIT = 8 * 1024  # bytes of one text field of a multipart form
REPLAYED = "Idempotent-Replayed"


def _bad_type() -> ApiError:
    return ApiError(415, "unsupported_media_type", texts.PHOTO_TYPE)


def _too_many_pixels(exc: photos.ImageTooLarge) -> ApiError:
    return ApiError(413, "image_too_large",
                    texts.PHOTO_PIXELS.format(limit=exc.limit // 10_000))


def _too_big() -> ApiError:
    return ApiError(413, "payload_too_large", texts.PHOTO_TOO_BIG)


async def read_multipart(op: Operation, request: web.Request
                         ) -> tuple[dict[str, str], list[bytes]]:
    """The text fields and the photo files of a multipart form, with the upload limits."""
    limit = op.max_files * photos.MAX_BYTES + 64 * 1024
    if request.content_length is not None and request.content_length > limit:
        raise _too_big()
    fields: dict[str, str] = {}
    files: list[bytes] = []
    try:
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or not part.name:
                continue
            if part.name == op.upload_field or part.filename is not None:
                if part.name != op.upload_field:
                    raise ApiError(400, "invalid_request", texts.FILE_FIELD.format(field=op.upload_field))
                if len(files) >= op.max_files:
                    raise ApiError(400, "too_many_files", texts.TOO_MANY_FILES.format(count=op.max_files))
                declared = (part.headers.get("Content-Type") or "").split(";")[0].strip()
                if declared and declared not in ("image/jpeg", "image/png",
                                                 "application/octet-stream"):
                    raise _bad_type()
                files.append(await _read_file(part))
            else:
                raw = await part.read(decode=True)
                if len(raw) > FIELD_LIMIT:
                    raise ApiError(413, "payload_too_large", texts.FIELD_TOO_LONG.format(field=part.name))
                fields[part.name] = raw.decode("utf-8", errors="replace")
    except (ValueError, AssertionError, HttpProcessingError) as exc:  # a broken body
        raise ApiError(400, "malformed_multipart", texts.MALFORMED_MULTIPART.format(error=exc)) from None
    return fields, files


async def _read_file(part: BodyPartReader) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(256 * 1024):
        size += len(chunk)
        if size > photos.MAX_BYTES:
            raise _too_big()
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise ApiError(400, "invalid_request", texts.PHOTO_EMPTY)
    return data


async def _input(op: Operation, call: Call) -> tuple[Any, list[bytes], str]:
    """(body, files, fingerprint) of the request."""
    request = call.request
    files: list[bytes] = []
    body: Any = None
    digest = hashlib.sha256(f"{op.method} {op.path} {sorted(call.params.items())}".encode())
    if op.multipart_only and not wants_multipart(request):
        raise ApiError(415, "unsupported_media_type", texts.MULTIPART_ONLY)
    if op.upload_into and wants_multipart(request):
        fields, files = await read_multipart(op, request)
        check_text(fields, "body")
        assert op.body is not None
        try:  # the files are stored later, in the transaction: validate with stand-ins
            body = op.body.model_validate(
                {**fields, op.upload_into: [f"up_pending{i}" for i in range(len(files))]})
        except ValidationError as exc:
            raise invalid(exc, "body") from None
        digest.update(json.dumps(sorted(fields.items()), ensure_ascii=False).encode())
        for content in files:
            digest.update(hashlib.sha256(content).digest())
    elif op.body is not None:
        body = await json_body(op, request)
        digest.update(body.model_dump_json().encode())
    return body, files, digest.hexdigest()


def _replay(stored: str | None, fingerprint: str) -> web.Response:
    try:
        doc = json.loads(stored or "")
        status, text, fp = int(doc["status"]), doc["body"], doc["fp"]
    except (ValueError, KeyError, TypeError):
        raise ApiError(409, "idempotency_key_used", texts.KEY_USED) from None
    if fp != fingerprint:
        raise ApiError(422, "idempotency_key_reused",
                       texts.KEY_REUSED)
    if status == 204 or text is None:
        return web.Response(status=status, headers={REPLAYED: "true"})
    return web.Response(status=status, text=text, content_type="application/json",
                        headers={REPLAYED: "true"})


def valid_header(request: web.Request) -> str | None:
    """The request's Idempotency-Key when it has a well-formed one."""
    header = request.headers.get(HEADER)
    return header if header is not None and _KEY.match(header) else None


def dedup_key(openid: str, secret: str) -> str:
    """The ``processed_message`` key of ``openid``'s request with the key ``secret``."""
    return f"api:{openid}:{hashlib.sha256(secret.encode()).hexdigest()}"


async def _previous(call: Call, key: str) -> Previous:
    """The key's record as read with the person (``bot.api.people``), else read now."""
    if isinstance(call.previous, Previous):
        return call.previous
    row = await ProcessedMessage.get_or_none(dedup_key=key)
    return Previous(row is not None, row.reply if row is not None else None)


async def run(op: Operation, call: Call) -> web.StreamResponse:
    header = call.request.headers.get(HEADER)
    if header is not None and not _KEY.match(header):
        raise ApiError(400, "bad_idempotency_key",
                       texts.BAD_KEY)
    openid = call.me.openid
    body, files, fingerprint = await _input(op, call)
    key = dedup_key(openid, header if header is not None else uuid.uuid4().hex)
    call.idempotency_key = key
    if header is not None:
        previous = await _previous(call, key)
        if previous.found:
            return _replay(previous.reply, fingerprint)
    try:
        async with effect(key, openid) as record:
            if files:
                store = call.request.config_dict[keys.SERVICES].photos
                ids = []
                for content in files:
                    try:
                        ids.append((await photos.store_upload(store, content, openid)).media_id)
                    except photos.ImageTooLarge as exc:
                        raise _too_many_pixels(exc) from None
                    except photos.BadImage:
                        raise _bad_type() from None
                setattr(body, op.upload_into or "", ids)
            call.body = body
            response = render(op, await op.handler(call))
            record.reply = json.dumps({"fp": fingerprint, "status": response.status,
                                       "body": response.text}, ensure_ascii=False)
    except AlreadyHandled as done:
        return _replay(done.reply, fingerprint)
    return response
