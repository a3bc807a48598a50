"""A WeChat user played from outside: signs and posts real callback XML, shows replies and pushes.

``linli chat`` (the terminal, ``Simulator``) and the web chat (``bot.sandbox.chat``) both
build, sign and post their callbacks with the functions here.
"""

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
from bot.config import PRODUCTION_API_BASE, Settings
from bot.sandbox import INBOUND_PATH, MESSAGES_PATH
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


def crypto_for(settings: Settings) -> MessageCrypto | None:
    """The message crypto of secure mode, when the settings have an AES key."""
    keys = [settings.wechat_aes_key] if settings.wechat_aes_key else []
    return MessageCrypto(settings.wechat_token, settings.wechat_appid, keys) if keys else None


def callback_for(openid: str, line: str) -> str:
    """The callback XML WeChat would post for a typed line that is not a photo: a menu click
    (``/click KEY``), a follow (``/follow [SCENE]``), a location (``lat,lng``) or a text."""
    if line.startswith("/click"):
        return callbacks.event(openid, "CLICK", line[6:].strip())
    if line.startswith("/follow"):
        scene = line[7:].strip()
        return callbacks.event(openid, "subscribe", f"qrscene_{scene}" if scene else "")
    if m := LOCATION.match(line):
        return callbacks.location(openid, float(m[1]), float(m[2]))
    return callbacks.text(openid, line)


async def post_callback(http: aiohttp.ClientSession, url: str, settings: Settings, openid: str,
                        xml: str, aes: bool = False) -> str | None:
    """Sign ``xml`` as WeChat does (and encrypt it in secure mode), post it to ``url``/wechat;
    the passive reply's text, None for none, ``[HTTP n] ...`` for a refusal."""
    crypto = crypto_for(settings)
    query = callbacks.signed_query(settings.wechat_token, openid)
    body = xml
    if aes:
        body, query = callbacks.encrypted(crypto, xml, query)
    async with http.post(url.rstrip("/") + "/wechat", params=query, data=body.encode()) as resp:
        text = await resp.text()
        if resp.status != 200:
            return f"[HTTP {resp.status}] {text}"
    return callbacks.reply_text(crypto, text, query)


async def upload_photo(http: aiohttp.ClientSession, sandbox_url: str, settings: Settings,
                       filename: str, content: bytes) -> str:
    """Upload an image to the sandbox as temporary media (as a person's phone does before the
    photo reaches the account); its media_id. Raises WeChatError when the sandbox refuses."""
    client = WeChatClient(http, KV(fakeredis.FakeAsyncRedis()), settings.wechat_appid,
                          settings.wechat_secret, sandbox_url)
    content_type = "image/png" if filename.lower().endswith(".png") else "image/jpeg"
    return await client.upload_media("image", filename, content, content_type)


async def tell_inbound(http: aiohttp.ClientSession, sandbox_url: str, openid: str) -> None:
    """Tell a sandbox run as its own process (``linli sandbox``) that ``openid`` just wrote to
    the account, as WeChat knows of every message it relays: their 48 h customer-service window
    restarts there. (The built-in sandbox hears it from the service's webhook.)"""
    try:
        async with http.post(sandbox_url + INBOUND_PATH, json={"openid": openid}) as r:
            await r.read()
    except aiohttp.ClientError:
        pass  # no sandbox there: the message still goes to the service


async def delivered(http: aiohttp.ClientSession, sandbox_url: str, openid: str, since: int
                    ) -> tuple[list[dict], int]:
    """What the sandbox delivered to ``openid`` after cursor ``since``, and the next cursor
    (nothing, and the same cursor, when the sandbox cannot be read)."""
    try:
        async with http.get(sandbox_url + MESSAGES_PATH,
                            params={"openid": openid, "since": since}) as r:
            if r.status != 200:
                return [], since
            doc = await r.json()
    except aiohttp.ClientError:
        return [], since
    return doc.get("messages", []), doc.get("last", since)


@dataclass
class Simulator:
    url: str
    openid: str
    settings: Settings
    aes: bool
    http: aiohttp.ClientSession
    since: int = 0

    @property
    def standalone_sandbox(self) -> bool:
        """The service talks to a sandbox of its own (LINLI_WECHAT_API_BASE, not WeChat's)."""
        return not self.settings.sandbox and self.settings.wechat_api_base != PRODUCTION_API_BASE

    @property
    def sandbox_url(self) -> str:
        if self.standalone_sandbox:
            return self.settings.wechat_api_base
        return self.url.rstrip("/") + SANDBOX_PATH

    async def post(self, xml: str) -> str | None:
        if self.standalone_sandbox:  # WeChat learns of the message before it relays it
            await tell_inbound(self.http, self.sandbox_url, self.openid)
        return await post_callback(self.http, self.url, self.settings, self.openid, xml, self.aes)

    async def upload(self, path: Path) -> str:
        path = await asyncio.to_thread(path.expanduser)
        content = await asyncio.to_thread(path.read_bytes)
        return await upload_photo(self.http, self.sandbox_url, self.settings, path.name, content)

    async def pushes(self) -> list[str]:
        messages, self.since = await delivered(self.http, self.sandbox_url, self.openid,
                                               self.since)
        return [_describe(m) for m in messages]

    async def line(self, line: str) -> str | None:
        if line.startswith("/img "):
            try:
                media_id = await self.upload(Path(line[5:].strip()))
            except WeChatError as exc:  # 40005 not an image, 40009 too big: say so, go on
                return f"[upload refused] {exc}"
            return await self.post(callbacks.image(self.openid, media_id))
        return await self.post(callback_for(self.openid, line))


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
