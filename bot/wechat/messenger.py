"""``handlers.ports`` senders over WeChat's message APIs, with errors translated."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.wechat.client import WeChatClient
from bot.wechat.errors import TokenExpired, TransientError, WeChatError
from bot.wechat.values import DEFAULT_NOTICE_KEYS, TEMPLATE_LIMIT, fit_data, notice_keys
from handlers.ports import DeliveryFailed, DeliveryRefused, MediaRefused, Notice
from storage import identity
from storage.media import MediaStore

# An uploaded photo's media_id is reused for this long (WeChat keeps temporary media 3 days).
MEDIA_REUSE = 2 * 24 * 3600


@dataclass(frozen=True)
class NoticeKeys:
    """The keys of each progress template (``bot.wechat.values.notice_keys`` specs)."""

    subscribe: str = DEFAULT_NOTICE_KEYS  # the Official Account's subscription notice
    miniapp_subscribe: str = DEFAULT_NOTICE_KEYS  # the mini-program's subscribe message
    template: str = DEFAULT_NOTICE_KEYS  # the template message


class WeChatMessenger:
    """Customer-service text and image, subscribe and template messages.

    Refusals (quota, window, no grant) become ``DeliveryRefused``, hiccups ``DeliveryFailed``.
    Images are read from ``media`` (the photos' store, ``storage.media``) and uploaded as temporary
    media, once per photo for ``MEDIA_REUSE`` seconds.

    Subscribe messages go by the app of the person's grant: "oa" grants as subscription
    notices (``/subscribe/bizsend``, ``subscribe_template``) with ``client``, "miniapp" grants
    by ``/subscribe/send`` (``miniapp_subscribe_template``) with ``miniapp_client`` (the
    mini-program's own app when ``separate_miniapp``; else ``client``, one openid for both).
    """

    def __init__(self, client: WeChatClient, *, subscribe_template: str | None = None,
                 template_id: str | None = None, page: str | None = None,
                 media: MediaStore | None = None, miniapp_client: WeChatClient | None = None,
                 miniapp_subscribe_template: str | None = None, separate_miniapp: bool = False,
                 long_term: Iterable[str] = (), keys: NoticeKeys = NoticeKeys()) -> None:
        self._client = client
        self._miniapp_client = miniapp_client or client
        self._separate = separate_miniapp
        self.template_id = template_id
        # A mini-program sharing the Official Account's AppID uses its template too.
        miniapp_subscribe_template = miniapp_subscribe_template or (
            None if separate_miniapp else subscribe_template)
        self.subscribe_templates = frozenset(
            t for t in (subscribe_template, miniapp_subscribe_template) if t)
        self.long_term = frozenset(long_term)
        self._keys = {t: notice_keys(k) for t, k in (
            (miniapp_subscribe_template, keys.miniapp_subscribe),
            (subscribe_template, keys.subscribe)) if t}
        self._template_keys = notice_keys(keys.template)
        self._page = page
        self._media = media
        self._uploaded: dict[str, tuple[str, float]] = {}  # path -> (media_id, uploaded at)

    async def _openid(self, key: str, app: str) -> str:
        """The person's openid in ``app``; refused when they never used it."""
        if not self._separate:
            return key  # one AppID: one openid
        openid = await identity.app_openid(key, app)
        if openid is None:
            raise DeliveryRefused(0, f"the person has no {app} openid")
        return openid

    async def send_text(self, openid: str, text: str) -> None:
        openid = await self._openid(openid, identity.OA)
        await _translated(self._client.send_text(openid, text))

    async def send_image(self, openid: str, path: str, content_type: str) -> None:
        openid = await self._openid(openid, identity.OA)
        media_id = await self._media_id(path, content_type)
        await _translated(self._client.send_image(openid, media_id))

    async def _media_id(self, path: str, content_type: str) -> str:
        known = self._uploaded.get(path)
        if known is not None and time.monotonic() - known[1] < MEDIA_REUSE:
            return known[0]
        if self._media is None:
            raise MediaRefused(0, "no media store configured")
        try:
            content = await self._media.get(path)
        except OSError as exc:
            raise MediaRefused(0, f"photo file unreadable: {type(exc).__name__}") from None
        if content is None:
            raise MediaRefused(0, "photo not in the media store")
        try:
            media_id = await self._client.upload_media("image", Path(path).name, content,
                                                       content_type)
        except (TransientError, TokenExpired) as exc:
            raise DeliveryFailed(str(exc)) from exc
        except WeChatError as exc:  # 40005 type, 40009 size, ...: this file will not do
            raise MediaRefused(exc.code, exc.message) from exc
        self._uploaded[path] = (media_id, time.monotonic())
        return media_id

    async def send_subscribe(self, key: str, notice: Notice, app: str,
                             template_id: str) -> None:
        if template_id not in self.subscribe_templates:
            raise DeliveryRefused(0, "not a configured subscribe template")
        data = fit_data(_notice_data(self._keys[template_id], notice))
        openid = await self._openid(key, app)
        if app == identity.OA:
            await _translated(self._client.send_bizsend(openid, template_id, data))
        else:
            await _translated(self._miniapp_client.send_subscribe(openid, template_id, data,
                                                                  self._page))

    async def send_template(self, openid: str, notice: Notice) -> None:
        if not self.template_id:
            raise DeliveryRefused(0, "no template configured")
        # Since 2023: no first/remark, no colours, every value <= 20 characters on one line.
        data = fit_data(_notice_data(self._template_keys, notice), TEMPLATE_LIMIT)
        openid = await self._openid(openid, identity.OA)
        await _translated(self._client.send_template(openid, self.template_id, data))


def _notice_data(keys: tuple[str, ...], notice: Notice) -> dict[str, str]:
    values = (notice.title, notice.status, notice.text, notice.time)
    return {key: value for key, value in zip(keys, values, strict=True) if key}


async def _translated(call: Awaitable[object]) -> None:
    try:
        await call
    except (TransientError, TokenExpired) as exc:
        raise DeliveryFailed(str(exc)) from exc
    except WeChatError as exc:
        # Quota errors (45015, 45047, 43101, 45009...) and other refusals: retrying won't help.
        raise DeliveryRefused(exc.code, exc.message) from exc

