"""The handlers' ``Messenger`` port, implemented with the WeChat customer-service API."""

from __future__ import annotations

from bot.wechat.client import WeChatClient
from bot.wechat.errors import QuotaError, TokenExpired, TransientError, WeChatError
from handlers.ports import DeliveryFailed, DeliveryRefused


class WeChatMessenger:
    def __init__(self, client: WeChatClient) -> None:
        self.client = client

    async def send_text(self, openid: str, text: str) -> None:
        try:
            await self.client.send_text(openid, text)
        except QuotaError as exc:
            raise DeliveryRefused(exc.code, exc.message) from exc
        except (TransientError, TokenExpired) as exc:
            raise DeliveryFailed(str(exc)) from exc
        except WeChatError as exc:  # e.g. 40003 invalid openid: retrying will not help
            raise DeliveryRefused(exc.code, exc.message) from exc
