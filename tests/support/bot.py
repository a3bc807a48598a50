"""Driving the real app over HTTP as WeChat would: signed (and encrypted) callbacks."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp.test_utils import TestClient

from bot import callbacks
from bot.config import Settings
from bot.signing import MessageCrypto


@dataclass
class Bot:
    client: TestClient
    settings: Settings
    sandbox: object  # bot.sandbox.SandboxState
    aes: bool = False
    replies: list[str | None] = field(default_factory=list)

    @property
    def crypto(self) -> MessageCrypto | None:
        keys = [k for k in (self.settings.wechat_aes_key, self.settings.wechat_aes_key_previous)
                if k]
        return MessageCrypto(self.settings.wechat_token, self.settings.wechat_appid, keys) \
            if keys else None

    def query(self, openid: str = "") -> dict[str, str]:
        return callbacks.signed_query(self.settings.wechat_token, openid)

    async def post(self, xml: str, openid: str = "", query: dict | None = None):
        query = query or self.query(openid)
        body = xml
        if self.aes:
            body, query = callbacks.encrypted(self.crypto, xml, query)
        return await self.client.post("/wechat", params=query, data=body.encode())

    async def send(self, xml: str, openid: str = "") -> str | None:
        resp = await self.post(xml, openid)
        assert resp.status == 200, await resp.text()
        reply = callbacks.reply_text(self.crypto, await resp.text(), {})
        self.replies.append(reply)
        return reply

    async def say(self, openid: str, text: str, msg_id: int | None = None) -> str | None:
        return await self.send(callbacks.text(openid, text, msg_id=msg_id), openid)

    async def event(self, openid: str, name: str, key: str = "") -> str | None:
        return await self.send(callbacks.event(openid, name, key), openid)
