"""``handlers.ports.MediaFetcher`` over WeChat's temporary-media download, errors translated."""

from __future__ import annotations

from bot.wechat.client import WeChatClient
from bot.wechat.errors import InvalidMedia, WeChatError
from handlers.ports import DeliveryFailed, MediaExpired


class WeChatMediaFetcher:
    def __init__(self, client: WeChatClient) -> None:
        self._client = client

    async def fetch(self, media_id: str) -> tuple[bytes, str]:
        try:
            return await self._client.download_media(media_id)
        except InvalidMedia as exc:
            raise MediaExpired(str(exc)) from exc
        except WeChatError as exc:
            # Busy, unavailable, token trouble or a refusal: the photo sweep retries with
            # backoff and gives up once the media would have expired anyway.
            raise DeliveryFailed(str(exc)) from exc
