"""API errors: one JSON shape, stable codes, and the domain refusals translated once.

Every error answers ``{"error": {"code": "...", "message": "..."}}``; ``message`` is Chinese
(the mini-program may show it), ``code`` is what clients branch on and never changes.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tortoise.exceptions import DBConnectionError

from bot.api.texts import MESSAGES, REQUEST_FAILED
from handlers.errors import Refusal
from rewards.errors import RewardsError
from rewards.texts import error_text

log = logging.getLogger(__name__)

# The HTTP status of each domain code; a refusal not listed here is a 409 (the state of
# things does not allow it), a rewards error a 409 as well.
STATUS_OF_CODE: dict[str, int] = {
    "unknown_case": 404, "photo_not_found": 404, "photo_not_ready": 409, "unknown_wish": 404, "unknown_reward": 404, "unknown_code": 404,
    "unknown_category": 422, "unknown_photo": 422, "bad_input": 422, "bad_coordinates": 422,
    "outside_area": 422,
    "invalid_amount": 422, "idempotency_conflict": 422,
    "not_allowed": 403, "not_volunteer": 403,
    "wrong_state": 409, "insufficient_points": 409, "out_of_stock": 409, "over_limit": 409,
    "not_available": 409, "code_used": 409, "code_expired": 409,
    "too_many_wrong_codes": 429,
}

# A store that cannot be reached: the service is unavailable, not broken (as /healthz says).
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, DBConnectionError)
RETRY_AFTER_UNAVAILABLE = "5"

ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 415, 422, 429)


class ApiError(Exception):
    """Raise anywhere in an API handler to answer with this error."""

    def __init__(self, status: int, code: str, message: str | None = None, *,
                 details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message or MESSAGES.get(status, REQUEST_FAILED)
        self.details = details
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, *,
                   details: list[dict[str, Any]] | None = None,
                   headers: dict[str, str] | None = None) -> web.Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return web.Response(status=status, text=json.dumps({"error": error}, ensure_ascii=False),
                        content_type="application/json", headers=headers)


def from_domain(exc: Exception) -> ApiError:
    if isinstance(exc, Refusal):
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return ApiError(STATUS_OF_CODE.get(exc.code, 409), exc.code, exc.reply,
                        headers=headers)
    if isinstance(exc, RewardsError):
        return ApiError(STATUS_OF_CODE.get(exc.code, 409), exc.code, error_text(exc))
    raise TypeError(exc)


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "payload_too_large",
               415: "unsupported_media_type", 429: "rate_limited"}


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, details=exc.details,
                              headers=exc.headers)
    except (Refusal, RewardsError) as exc:
        err = from_domain(exc)
        return error_response(err.status, err.code, err.message, headers=err.headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
        return error_response(exc.status, _HTTP_CODES.get(exc.status, "http_error"),
                              MESSAGES.get(exc.status, exc.reason), headers=headers)
    except UNAVAILABLE as exc:
        log.warning("API %s %s: a store is unreachable (%s)", request.method, request.path,
                    type(exc).__name__)
        return error_response(503, "service_unavailable", MESSAGES[503],
                              headers={"Retry-After": RETRY_AFTER_UNAVAILABLE})
    except Exception:
        log.exception("API %s %s failed", request.method, request.path)
        return error_response(500, "internal_error", MESSAGES[500])
