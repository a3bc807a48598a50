"""``handlers.ports`` senders over WeChat's message APIs, with errors translated."""

from __future__ import annotations

from collections.abc import Awaitable

from bot.wechat.client import WeChatClient
from bot.wechat.errors import TokenExpired, TransientError, WeChatError
from handlers.ports import DeliveryFailed, DeliveryRefused, Notice

# WeChat caps "thing" values at 20 characters and "phrase" values at 5.
THING, PHRASE = 20, 5


class WeChatMessenger:
    """Customer-service text, subscribe and template messages.

    Refusals (quota, window, no grant) become ``DeliveryRefused``, hiccups ``DeliveryFailed``.
    """

    def __init__(self, client: WeChatClient, *, subscribe_template: str | None = None,
                 template_id: str | None = None, page: str | None = None) -> None:
        self._client = client
        self.subscribe_template = subscribe_template
        self.template_id = template_id
        self._page = page

    async def send_text(self, openid: str, text: str) -> None:
        await _translated(self._client.send_text(openid, text))

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
        data = {"first": notice.title, "keyword1": notice.status, "keyword2": notice.time,
                "remark": notice.text}
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
