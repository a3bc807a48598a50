"""One HTTP exchange with WeChat, and reading its answer: errcodes become exceptions."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot import jsonsafe
from bot.metrics import WECHAT_API_CALLS, WECHAT_API_ERRORS
from bot.wechat.errors import WeChatError, WeChatUnavailable, error_for

# Query parameters whose values must never reach a log line or an exception message.
_SECRET_PARAMS = ("access_token", "secret", "js_code")
_JSON_TYPES = ("application/json", "text/json", "text/plain")


@dataclass(frozen=True)
class Answer:
    """What came back: HTTP status, MIME type (no parameters) and the raw body."""

    status: int
    content_type: str
    body: bytes


class Transport:
    """Sends requests to ``base_url`` with a per-request timeout and counts them."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, timeout: float) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str],
        json_body: object = None,
        form: aiohttp.FormData | None = None,
    ) -> Answer:
        """POST/GET ``path``; any failure to get a 200 answer raises ``WeChatUnavailable``."""
        WECHAT_API_CALLS.labels(path).inc()
        data: bytes | aiohttp.FormData | None = form
        headers = None
        if json_body is not None:
            # WeChat wants UTF-8 Chinese as is: \uXXXX escapes would show up literally.
            data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            async with self._session.request(
                method,
                self._base + path,
                params=dict(params),
                data=data,
                headers=headers,
                timeout=self._timeout,
            ) as resp:
                answer = Answer(resp.status, resp.content_type, await resp.read())
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _unavailable(f"{type(exc).__name__}: {_redact(str(exc), params)}", path) from None
        if answer.status != 200:
            raise _unavailable(f"HTTP {answer.status}", path)
        return answer

    async def call(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        json_body: object = None,
        form: Callable[[], aiohttp.FormData] | None = None,
        read: Callable[[Answer], Any] | None = None,
    ) -> Any:
        """One exchange, its answer read by ``read`` (default: ``read_json``).

        ``form`` is a factory: a multipart body can be sent only once, and retries need a new one.
        """
        answer = await self.send(
            method, path, params=params, json_body=json_body, form=form() if form else None
        )
        return read(answer) if read else read_json(answer, path)


def read_json(answer: Answer, path: str) -> dict[str, object]:
    """The JSON object in ``answer``; an errcode other than 0 raises its ``WeChatError``."""
    try:
        data = jsonsafe.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _unavailable("the answer is not JSON", path) from None
    if not isinstance(data, dict):
        raise _unavailable("the answer is not a JSON object", path)
    _raise_errcode(data, path)
    return data


def read_media(answer: Answer, path: str) -> tuple[bytes, str]:
    """A media body and its MIME type; a JSON error body (any Content-Type) raises."""
    if answer.content_type in _JSON_TYPES or answer.body[:1] == b"{":
        try:
            data = jsonsafe.loads(answer.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            data = None
        if isinstance(data, dict):
            _raise_errcode(data, path)
    return answer.body, answer.content_type


def _raise_errcode(data: Mapping[str, object], path: str) -> None:
    raw = data.get("errcode") or 0
    try:
        code = int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise _unavailable(f"unreadable errcode {raw!r}", path) from None
    if code != 0:
        WECHAT_API_ERRORS.labels(path, str(code)).inc()
        raise error_for(code, str(data.get("errmsg", "")), path)


def _unavailable(message: str, path: str) -> WeChatError:
    WECHAT_API_ERRORS.labels(path, "unavailable").inc()
    return WeChatUnavailable(message, path)


def _redact(text: str, params: Mapping[str, str]) -> str:
    for name in _SECRET_PARAMS:
        value = params.get(name)
        if value:
            text = text.replace(value, "***")
    return text
