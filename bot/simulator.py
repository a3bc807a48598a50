"""A terminal WeChat user: signs and posts real callback XML, shows replies and pushes."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import fakeredis

from bot import callbacks
from bot.app import SANDBOX_PATH
from bot.config import Settings
from bot.sandbox import MESSAGES_PATH
from bot.signing import MessageCrypto
from bot.wechat.client import WeChatClient
from bot.wechat.errors import WeChatError
from storage.kv import KV

LOCATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,，]\s*(-?\d+(?:\.\d+)?)\s*$")
HELP = """Type a message and press Enter. Also:
  43.8860,125.3180      send a location (lat,lng)
  /img PATH             send a photo from a local file (uploaded to the sandbox first)
  /click KEY            press a menu button (e.g. /click HELP)
  /follow [SCENE]       follow the account (SCENE: a building QR code, e.g. B12-3)
  /help                 this text          /quit  leave"""


@dataclass
class Simulator:
    url: str
    openid: str
    settings: Settings
    aes: bool
    http: aiohttp.ClientSession
    since: int = 0

    @property
    def sandbox_url(self) -> str:
        return self.url.rstrip("/") + SANDBOX_PATH

    def _crypto(self) -> MessageCrypto | None:
        keys = [self.settings.wechat_aes_key] if self.settings.wechat_aes_key else []
        return MessageCrypto(self.settings.wechat_token, self.settings.wechat_appid, keys) \
            if keys else None

    async def post(self, xml: str) -> str | None:
        query = callbacks.signed_query(self.settings.wechat_token, self.openid)
        body = xml
        if self.aes:
            body, query = callbacks.encrypted(self._crypto(), xml, query)
        async with self.http.post(self.url.rstrip("/") + "/wechat", params=query,
                                  data=body.encode()) as resp:
            text = await resp.text()
            if resp.status != 200:
                return f"[HTTP {resp.status}] {text}"
        return callbacks.reply_text(self._crypto(), text, query)

    async def upload(self, path: Path) -> str:
        path = await asyncio.to_thread(path.expanduser)
        client = WeChatClient(self.http, KV(fakeredis.FakeAsyncRedis()),
                              self.settings.wechat_appid, self.settings.wechat_secret,
                              self.sandbox_url)
        content_type = "image/png" if path.suffix.lower() == ".png" else "image/jpeg"
        content = await asyncio.to_thread(path.read_bytes)
        return await client.upload_media("image", path.name, content, content_type)

    async def pushes(self) -> list[str]:
        try:
            async with self.http.get(self.sandbox_url + MESSAGES_PATH,
                                     params={"openid": self.openid, "since": self.since}) as r:
                if r.status != 200:
                    return []
                doc = await r.json()
        except aiohttp.ClientError:
            return []
        self.since = doc.get("last", self.since)
        return [_describe(m) for m in doc.get("messages", [])]

    async def line(self, line: str) -> str | None:
        if line.startswith("/img "):
            try:
                media_id = await self.upload(Path(line[5:].strip()))
            except WeChatError as exc:  # 40005 not an image, 40009 too big: say so, go on
                return f"[upload refused] {exc}"
            return await self.post(callbacks.image(self.openid, media_id))
        if line.startswith("/click"):
            return await self.post(callbacks.event(self.openid, "CLICK", line[6:].strip()))
        if line.startswith("/follow"):
            scene = line[7:].strip()
            return await self.post(callbacks.event(
                self.openid, "subscribe", f"qrscene_{scene}" if scene else ""))
        if m := LOCATION.match(line):
            return await self.post(callbacks.location(self.openid, float(m[1]), float(m[2])))
        return await self.post(callbacks.text(self.openid, line))


def _describe(message: dict) -> str:
    payload = message.get("payload", {})
    kind = message.get("endpoint", "")
    text = (payload.get("text") or {}).get("content") if isinstance(payload, dict) else None
    return f"[{kind}] {text if text else json.dumps(payload, ensure_ascii=False)}"


async def _poll(sim: Simulator) -> None:
    while True:
        await asyncio.sleep(2)
        for push in await sim.pushes():
            print(f"\n  📨 {push}\n> ", end="", flush=True)


async def chat(url: str, openid: str, aes: bool) -> int:
    settings = Settings.from_env()
    if aes and not settings.wechat_aes_key:
        print("--aes needs LINLI_WECHAT_AES_KEY (the same key the service uses)")
        return 2
    async with aiohttp.ClientSession() as http:
        sim = Simulator(url, openid, settings, aes, http)
        await sim.pushes()  # skip what was delivered before this session
        print(f"Chatting with {url} as {openid}{' (AES)' if aes else ''}.\n{HELP}")
        poller = asyncio.create_task(_poll(sim))
        loop = asyncio.get_running_loop()
        try:
            while True:
                line = await loop.run_in_executor(None, _read)
                if line is None or line.strip() in ("/quit", "/exit"):
                    break
                if not line.strip():
                    continue
                if line.strip() == "/help":
                    print(HELP)
                    continue
                try:
                    reply = await sim.line(line.strip())
                except (aiohttp.ClientError, OSError) as exc:
                    print(f"  ! {exc}")
                    continue
                print(f"  {reply}" if reply else "  (no reply)")
                await asyncio.sleep(0.3)
                for push in await sim.pushes():
                    print(f"  📨 {push}")
        finally:
            poller.cancel()
    return 0


def _read() -> str | None:
    try:
        return input("> ")
    except EOFError:
        return None


def run(url: str, openid: str, aes: bool) -> int:
    try:
        return asyncio.run(chat(url, openid, aes))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 0
