"""``handlers.ports`` senders over WeChat's message APIs, with errors translated."""

from __future__ import annotations

import time
from collections.abc import Awaitable
from pathlib import Path

from bot.wechat.client import WeChatClient
from bot.wechat.errors import TokenExpired, TransientError, WeChatError
from handlers.ports import DeliveryFailed, DeliveryRefused, MediaRefused, Notice
from storage.media import MediaStore

# WeChat caps "thing" values at 20 characters and "phrase" values at 5.
THING, PHRASE = 20, 5
# An uploaded photo's media_id is reused for this long (WeChat keeps temporary media 3 days).
MEDIA_REUSE = 2 * 24 * 3600


class WeChatMessenger:
    """Customer-service text and image, subscribe and template messages.

    Refusals (quota, window, no grant) become ``DeliveryRefused``, hiccups ``DeliveryFailed``.
    Images are read from ``media`` (the photos' store, ``storage.media``) and uploaded as temporary
    media, once per photo for ``MEDIA_REUSE`` seconds.
    """

    def __init__(self, client: WeChatClient, *, subscribe_template: str | None = None,
                 template_id: str | None = None, page: str | None = None,
                 media: MediaStore | None = None) -> None:
        self._client = client
        self.subscribe_template = subscribe_template
        self.template_id = template_id
        self._page = page
        self._media = media
        self._uploaded: dict[str, tuple[str, float]] = {}  # path -> (media_id, uploaded at)

    async def send_text(self, openid: str, text: str) -> None:
        await _translated(self._client.send_text(openid, text))

    async def send_image(self, openid: str, path: str, content_type: str) -> None:
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

    async def send_subscribe(self, openid: str, notice: Notice) -> None:
        if not self.subscribe_template:
            raise DeliveryRefused(0, "no subscribe template configured")
        data = {"thing1": _cut(notice.title, THING), "phrase2": _cut(notice.status, PHRASE),
                "thing3": _cut(notice.text, THING), "time4": notice.time}
        await _translated(self._client.send_subscribe(openid, self.subscribe_template, data,
                                                      self._page))

    async def send_template(self, openid: str, notice: Notice) -> None:
        if not self.template_id:
            raise DeliveryRefused(0, "no template configured")
        # Since 2023 a value is at most 20 characters with no line breaks.
        data = {"first": _cut(notice.title, THING), "keyword1": _cut(notice.status, THING),
                "keyword2": notice.time, "remark": _cut(notice.text, THING)}
        await _translated(self._client.send_template(openid, self.template_id, data))


async def _translated(call: Awaitable[object]) -> None:
    try:
        await call
    except (TransientError, TokenExpired) as exc:
        raise DeliveryFailed(str(exc)) from exc
    except WeChatError as exc:
        # Quota errors (45015, 45047, 43101, 45009...) and other refusals: retrying won't help.
        raise DeliveryRefused(exc.code, exc.message) from exc


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
