"""The async WeChat API client: access_token handling, retries and the endpoints linli uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.wechat.errors import MENU_NONE, TokenExpired, WeChatError, WeChatUnavailable
from bot.wechat.retry import RetryPolicy, retry_busy
from bot.wechat.token import TokenManager, TokenPolicy
from bot.wechat.transport import Answer, Transport, read_media
from storage.kv import KV

STABLE_TOKEN = "/cgi-bin/stable_token"
CUSTOM_SEND = "/cgi-bin/message/custom/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"
SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"  # the mini-program's subscribe messages
BIZSEND = "/cgi-bin/message/subscribe/bizsend"  # the Official Account's subscription notices
MEDIA_UPLOAD = "/cgi-bin/media/upload"
MEDIA_GET = "/cgi-bin/media/get"
JSCODE2SESSION = "/sns/jscode2session"
USER_INFO = "/cgi-bin/user/info"
MENU_CREATE = "/cgi-bin/menu/create"
MENU_GET = "/cgi-bin/menu/get"
QRCODE_CREATE = "/cgi-bin/qrcode/create"
SHOWQRCODE = "/cgi-bin/showqrcode"
# WeChat serves QR images from mp.weixin.qq.com, not from the API host.
PRODUCTION_QRCODE_BASE = "https://mp.weixin.qq.com"

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
        qrcode_base: str | None = None,
    ) -> None:
        self.appid = appid
        self._secret = secret
        self._http = Transport(session, base_url, timeout)
        self._images = Transport(session, qrcode_base or showqrcode_base(base_url), timeout)
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
        """A mini-program subscribe message (``/subscribe/send``, a mini-program's token and
        openid); each one uses up one of the person's one-time grants."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": _values(data)}
        if page:
            body["page"] = page
        await self._authed("POST", SUBSCRIBE_SEND, json_body=body)

    async def send_bizsend(
        self,
        openid: str,
        template_id: str,
        data: MessageData,
        page: str | None = None,
        miniprogram: Mapping[str, str] | None = None,
    ) -> None:
        """An Official Account subscription notice (订阅通知, ``/subscribe/bizsend``): one per
        opt-in unless the template is long-term; 43101 when refused or used up. ``page`` is a
        web address to open, ``miniprogram`` {"appid", "pagepath"} a mini-program page."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": _values(data)}
        if page:
            body["page"] = page
        if miniprogram:
            body["miniprogram"] = {"appid": miniprogram["appid"],
                                   "pagepath": miniprogram.get("pagepath", "")}
        await self._authed("POST", BIZSEND, json_body=body)

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

    async def user_info(self, openid: str) -> dict[str, Any]:
        """An Official Account user's basic information: ``subscribe`` (0: not following,
        nothing else told), ``unionid`` when the account is bound to a 微信开放平台 account;
        40003 for an openid the account does not know."""
        return await self._authed("GET", USER_INFO, params={"openid": openid, "lang": "zh_CN"})

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

    async def menu_create(self, menu: Mapping[str, Any]) -> None:
        """Replace the account's custom menu with ``menu`` ({"button": [...]})."""
        await self._authed("POST", MENU_CREATE, json_body=menu)

    async def menu_get(self) -> dict[str, Any] | None:
        """The custom menu as WeChat holds it ({"button": [...]}); None when there is none."""
        try:
            answer = await self._authed("GET", MENU_GET)
        except WeChatError as exc:
            if exc.code == MENU_NONE:
                return None
            raise
        menu = answer.get("menu")
        return menu if isinstance(menu, dict) else None

    async def qrcode_create(self, scene: str) -> QrTicket:
        """A permanent QR code (QR_LIMIT_STR_SCENE) whose follow event carries ``scene``."""
        body = {"action_name": "QR_LIMIT_STR_SCENE",
                "action_info": {"scene": {"scene_str": scene}}}
        answer = await self._authed("POST", QRCODE_CREATE, json_body=body)
        try:
            return QrTicket(str(answer["ticket"]), str(answer["url"]),
                            int(answer["expire_seconds"]) if "expire_seconds" in answer else None)
        except (KeyError, TypeError, ValueError):
            raise WeChatUnavailable("qrcode/create answer without a ticket",
                                    QRCODE_CREATE) from None

    async def qrcode_image(self, ticket: str) -> tuple[bytes, str]:
        """The QR code's image (WeChat sends a JPEG) and its MIME type, from showqrcode."""
        call = partial(self._images.call, "GET", SHOWQRCODE, {"ticket": ticket},
                       read=lambda answer: read_media(answer, SHOWQRCODE))
        return await retry_busy(call, self._retry)

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


@dataclass(frozen=True)
class QrTicket:
    """What qrcode/create answers: the ticket (for showqrcode), the URL the code holds, and
    its lifetime (None: permanent)."""

    ticket: str
    url: str
    expire_seconds: int | None = None


def showqrcode_base(api_base: str) -> str:
    """Where QR images are fetched: mp.weixin.qq.com for WeChat's own API hosts, otherwise
    the API base itself (the sandbox, or a gateway that forwards both)."""
    host = urlsplit(api_base).hostname or ""
    return PRODUCTION_QRCODE_BASE if host.endswith("api.weixin.qq.com") else api_base


def _values(data: MessageData) -> dict[str, Mapping[str, str]]:
    return {k: ({"value": v} if isinstance(v, str) else v) for k, v in data.items()}
