"""``handlers.ports.Messenger`` over the customer-service API, with errors translated."""

from __future__ import annotations

from bot.wechat.client import WeChatClient
from bot.wechat.errors import TokenExpired, TransientError, WeChatError
from handlers.ports import DeliveryFailed, DeliveryRefused


class WeChatMessenger:
    """Sends customer-service text; refusals become ``DeliveryRefused``, hiccups ``DeliveryFailed``."""

    def __init__(self, client: WeChatClient) -> None:
        self._client = client

    async def send_text(self, openid: str, text: str) -> None:
        try:
            await self._client.send_text(openid, text)
        except (TransientError, TokenExpired) as exc:
            raise DeliveryFailed(str(exc)) from exc
        except WeChatError as exc:
            # Quota errors (45015, 45047, ...) and other refusals: retrying will not help.
            raise DeliveryRefused(exc.code, exc.message) from exc
