"""Several machines, for real (issue 15): ``linli sandbox`` as its own process and four
``linli serve`` processes sharing PostgreSQL and Redis, each with its own LINLI_MEDIA_DIR.

With LINLI_MEDIA_STORE=database a photo uploaded through one node is served, byte for byte,
by another; with LINLI_MEDIA_STORE=dir the other node does not have it (what makes the first
half a real test). The standalone sandbox plays WeChat for all of them with nothing but
LINLI_WECHAT_API_BASE and its public secret set, and learns from ``linli chat``'s simulator
who wrote last, so a customer-service message the scheduler of one node sends is delivered.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import fakeredis
import pytest
import redis.asyncio as aioredis

from bot.config import SANDBOX_APPID, SANDBOX_SECRET, Settings
from bot.sandbox.api_messages import CUSTOM_SEND
from bot.simulator import Simulator
from bot.wechat.client import WeChatClient
from bot.wechat.errors import WeChatError
from handlers import outbox
from storage import keys
from storage.core.models import MediaBlob
from storage.kv import KV
from tests.support.api import form, jpeg

pytestmark = [pytest.mark.real_clock]
API = "/api/v1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def _stopped_together() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """Processes started into the list are stopped at once when the block ends."""
    procs: list[asyncio.subprocess.Process] = []
    try:
        yield procs
    finally:
        running = [p for p in procs if p.returncode is None]
        for proc in running:
            os.killpg(proc.pid, 15)
        await asyncio.wait_for(asyncio.gather(*(p.wait() for p in running)), 15)


async def _running(procs: list, env: dict[str, str], *args: str) -> str:
    """``linli ARGS --port P`` (stopped with ``procs``); its URL once it answers."""
    port = _free_port()
    # A line per request goes to its log: a file, never an unread pipe that would fill up and
    # block the process at its next log write.
    log = tempfile.TemporaryFile()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, "--port", str(port), env={**os.environ, **env},
        stdout=asyncio.subprocess.DEVNULL, stderr=log, start_new_session=True)
    procs.append(proc)
    url = f"http://127.0.0.1:{port}"
    probe = url + ("/healthz" if args[0] == "serve" else "/_sandbox/messages?openid=probe")
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if proc.returncode is not None:
                log.seek(0)
                raise AssertionError(log.read().decode()[-2000:])
            try:
                async with http.get(probe) as r:
                    if r.status == 200:
                        return url
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"linli {args[0]} did not start")


async def _login(http: aiohttp.ClientSession, sandbox: str, node: str, openid: str) -> dict:
    async with http.post(sandbox + "/_sandbox/login", json={"openid": openid}) as r:
        code = (await r.json())["code"]
    async with http.post(node + API + "/auth/login", json={"code": code}) as r:
        assert r.status == 200, await r.text()
        return {"Authorization": f"Bearer {(await r.json())['token']}"}


async def _upload(http: aiohttp.ClientSession, node: str, auth: dict, content: bytes) -> str:
    async with http.post(node + API + "/photos", data=form({}, [content], field="file"),
                         headers=auth) as r:
        assert r.status == 201, await r.text()
        return (await r.json())["url"]


async def _photo(http: aiohttp.ClientSession, node: str, auth: dict, url: str
                 ) -> tuple[int, bytes]:
    async with http.get(node + url, headers=auth) as r:
        return r.status, await r.read()


async def _delivered(http: aiohttp.ClientSession, sandbox: str, openid: str) -> list[dict]:
    async with http.get(sandbox + "/_sandbox/messages", params={"openid": openid}) as r:
        return (await r.json())["messages"]


async def test_nodes_share_photos_through_the_database_and_the_sandbox(pg_db, redis_prefix,
                                                                        tmp_path):
    shared = {"LINLI_DATABASE_URL": pg_db.database_url, "LINLI_REDIS_URL": pg_db.redis_url,
              "LINLI_REDIS_PREFIX": redis_prefix}
    for var in ("LINLI_WECHAT_API_BASE", "LINLI_WECHAT_SECRET", "LINLI_WECHAT_APPID",
                "LINLI_WECHAT_TOKEN", "LINLI_WECHAT_TEMPLATE_PROGRESS", "LINLI_MEDIA_STORE"):
        shared[var] = ""
    async with _stopped_together() as procs:
        sandbox = await _running(procs, shared, "sandbox")
        # What `linli sandbox` prints to set: the API base and the sandbox's own secret.
        wechat = {**shared, "LINLI_WECHAT_API_BASE": sandbox, "LINLI_WECHAT_SECRET": SANDBOX_SECRET}

        def node(name: str, store: str, *flags: str):
            env = {**wechat, "LINLI_MEDIA_STORE": store, "LINLI_MEDIA_DIR": str(tmp_path / name)}
            return _running(procs, env, "serve", *flags)

        a, b, c, d = await asyncio.gather(
            node("a", "database"), node("b", "database", "--no-scheduler"),
            node("c", "dir", "--no-scheduler"), node("d", "dir", "--no-scheduler"))
        async with aiohttp.ClientSession() as http:
            auth = await _login(http, sandbox, a, "o-node-res")
            content = jpeg(color=(10, 120, 200))
            url = await _upload(http, a, auth, content)
            status_a, body_a = await _photo(http, a, auth, url)
            assert status_a == 200
            assert await _photo(http, b, auth, url) == (200, body_a)
            assert await MediaBlob.filter().count() == 1
            assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()

            url = await _upload(http, c, auth, jpeg(color=(200, 10, 10)))
            assert (await _photo(http, c, auth, url))[0] == 200
            assert (await _photo(http, d, auth, url))[0] == 404  # the other node's disk
            assert await MediaBlob.filter().count() == 1

            await _customer_service_reaches_who_wrote(http, sandbox, a, wechat)


async def _customer_service_reaches_who_wrote(http: aiohttp.ClientSession, sandbox: str,
                                              node: str, env: dict[str, str]) -> None:
    """``linli chat`` tells the standalone sandbox who wrote (WeChat's 48 h window): a
    customer-service message node a's scheduler sends them is delivered; to someone who
    never wrote the sandbox refuses, as WeChat does (45015)."""
    settings = Settings.from_env({k: v for k, v in env.items() if v})
    sim = Simulator(node, "o-node-chat", settings, False, http)
    assert sim.sandbox_url == sandbox
    assert "功能菜单" in await sim.line("帮助")
    # Two minutes later: no longer chatting, so no passive reply to ride on; the window is open.
    kv = KV(aioredis.from_url(env["LINLI_REDIS_URL"]), env["LINLI_REDIS_PREFIX"])
    await kv.redis.set(keys.seen(kv, "o-node-chat"), str(time.time() - 120), keepttl=True)
    await kv.close()
    await outbox.enqueue("o-node-chat", "您的随手拍已受理", key="t-node-cs", urgent=True)
    for _ in range(150):
        sent = await _delivered(http, sandbox, "o-node-chat")
        if sent:
            break
        await asyncio.sleep(0.1)
    # A customer-service message (outside the window it would have been a template message).
    assert [(m["endpoint"], m["payload"].get("text")) for m in sent] == [
        (CUSTOM_SEND, {"content": "您的随手拍已受理"})]
    client = WeChatClient(http, KV(fakeredis.FakeAsyncRedis()), SANDBOX_APPID, SANDBOX_SECRET,
                          sandbox)
    with pytest.raises(WeChatError) as refused:
        await client.send_text("o-never-wrote", "你好")
    assert refused.value.code == 45015
