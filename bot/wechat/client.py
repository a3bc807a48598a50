"""The async WeChat API client: access_token handling, retries and the endpoints linli uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import aiohttp

from bot.wechat.errors import TokenExpired, WeChatUnavailable
from bot.wechat.retry import RetryPolicy, retry_busy
from bot.wechat.token import TokenManager, TokenPolicy
from bot.wechat.transport import Answer, Transport, read_media
from storage.kv import KV

STABLE_TOKEN = "/cgi-bin/stable_token"
CUSTOM_SEND = "/cgi-bin/message/custom/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"
SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"
MEDIA_UPLOAD = "/cgi-bin/media/upload"
MEDIA_GET = "/cgi-bin/media/get"
JSCODE2SESSION = "/sns/jscode2session"

# Template and subscribe data: {"thing1": "text"} or WeChat's own {"thing1": {"value": "text"}}.
MessageData = Mapping[str, str | Mapping[str, str]]


class WeChatClient:
    """Calls WeChat (or the sandbox) at ``base_url`` as ``appid``; safe to share between tasks."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        kv: KV,
        appid: str,
        secret: str,
        base_url: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, shared safely
        token_policy: TokenPolicy = TokenPolicy(),  # noqa: B008
    ) -> None:
        self.appid = appid
        self._secret = secret
        self._http = Transport(session, base_url, timeout)
        self._retry = retry
        self._tokens = TokenManager(kv, appid, self._fetch_token, token_policy)

    async def access_token(self, force: bool = False) -> str:
        """The current token; ``force`` asks for a new one (at most once per 30 s overall)."""
        return await (self._tokens.force() if force else self._tokens.get())

    async def send_text(self, openid: str, text: str) -> None:
        """A customer-service text message (only inside the person's 48 h window)."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        await self._authed("POST", CUSTOM_SEND, json_body=body)

    async def send_image(self, openid: str, media_id: str) -> None:
        """A customer-service image message of an uploaded ``media_id``."""
        body = {"touser": openid, "msgtype": "image", "image": {"media_id": media_id}}
        await self._authed("POST", CUSTOM_SEND, json_body=body)

    async def send_template(
        self, openid: str, template_id: str, data: MessageData, url: str | None = None
    ) -> int:
        """A template message; returns WeChat's msgid."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": _values(data)}
        if url:
            body["url"] = url
        answer = await self._authed("POST", TEMPLATE_SEND, json_body=body)
        return int(answer.get("msgid", 0))  # type: ignore[call-overload]

    async def send_subscribe(
        self, openid: str, template_id: str, data: MessageData, page: str | None = None
    ) -> None:
        """A subscribe message; each one uses up one of the person's one-time grants."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": _values(data)}
        if page:
            body["page"] = page
        await self._authed("POST", SUBSCRIBE_SEND, json_body=body)

    async def upload_media(
        self, kind: str, filename: str, content: bytes, content_type: str
    ) -> str:
        """Upload temporary media (kept 3 days by WeChat); returns its media_id."""

        def form() -> aiohttp.FormData:
            data = aiohttp.FormData()
            data.add_field("media", content, filename=filename, content_type=content_type)
            return data

        answer = await self._authed("POST", MEDIA_UPLOAD, params={"type": kind}, form=form)
        return str(answer.get("media_id") or answer["thumb_media_id"])  # "thumb" differs

    async def download_media(self, media_id: str) -> tuple[bytes, str]:
        """The bytes and MIME type of temporary media; ``InvalidMedia`` once it expired."""
        return await self._authed(
            "GET",
            MEDIA_GET,
            params={"media_id": media_id},
            read=lambda answer: read_media(answer, MEDIA_GET),
        )

    async def jscode2session(self, code: str) -> dict[str, str]:
        """Exchange a mini-program login code: openid, session_key and maybe unionid."""
        params = {
            "appid": self.appid,
            "secret": self._secret,
            "js_code": code,
            "grant_type": "authorization_code",
        }
        data = await retry_busy(lambda: self._http.call("GET", JSCODE2SESSION, params), self._retry)
        return {k: str(data[k]) for k in ("openid", "session_key", "unionid") if k in data}

    async def _fetch_token(self, force: bool) -> tuple[str, int]:
        body = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self._secret,
            "force_refresh": force,
        }
        data = await retry_busy(
            lambda: self._http.call("POST", STABLE_TOKEN, {}, body), self._retry
        )
        try:
            return str(data["access_token"]), int(data["expires_in"])  # type: ignore[call-overload]
        except (KeyError, TypeError, ValueError):
            raise WeChatUnavailable("stable_token answer without a token", STABLE_TOKEN) from None

    async def _authed(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: object = None,
        form: Callable[[], aiohttp.FormData] | None = None,
        read: Callable[[Answer], Any] | None = None,
    ) -> Any:
        """Call ``path`` with the access_token; one forced refresh and one retry if rejected."""
        token = await self._tokens.get()
        renewed = False
        while True:
            query = {**(params or {}), "access_token": token}
            try:
                call = partial(self._http.call, method, path, query, json_body, form, read)
                return await retry_busy(call, self._retry)
            except TokenExpired as exc:
                if renewed:
                    raise
                renewed = True
                token = await self._tokens.renew(token, exc)


def _values(data: MessageData) -> dict[str, Mapping[str, str]]:
    return {k: ({"value": v} if isinstance(v, str) else v) for k, v in data.items()}
