"""Real-browser fixtures: Debian's Chromium (Playwright) against a real ``linli serve``.

``console_server`` (one per test module) creates a fresh PostgreSQL database and a Redis
prefix of its own, runs ``linli migrate`` and ``linli demo-data`` and starts ``linli serve``
on a free port with the built-in WeChat sandbox (mounted at /sandbox/wechat, so what the
service pushes is read from the sandbox's ``_sandbox/messages``). ``browser`` is one headless
Chromium per module; ``page`` a fresh context (cookies of its own) per test. ``login`` signs a
page in through a one-time link printed by ``linli console link`` (the CLI, same
environment), ``shoot`` saves a full-page screenshot as
``tests/artifacts/console/<test name>-<page>.png``.

The browser tests share the module's event loop (``loop_scope="module"``), and run on the real
time of day (the server is another process): mark them ``browser``, ``real_clock`` and
``asyncio(loop_scope="module")`` (``BROWSER_MARKS``).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import typing
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
import pytest_asyncio
import redis

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "console"
BROWSER_MARKS = [pytest.mark.browser, pytest.mark.real_clock,
                 pytest.mark.asyncio(loop_scope="module")]
VIEWPORT = {"width": 1366, "height": 860}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    result = subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, timeout=timeout,
                            capture_output=True, text=True)
    assert result.returncode == 0, f"linli {' '.join(args)}: {result.stderr[-2000:]}"
    return result.stdout


@dataclass
class ConsoleServer:
    """A running ``linli serve``: its address, its environment and its database."""

    url: str
    env: dict[str, str]
    database_url: str

    async def cli(self, *args: str) -> tuple[int, str, str]:
        """Run ``linli ARGS`` as an operator on this server's machine would."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", *args, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        return proc.returncode or 0, out.decode(), err.decode()

    async def link(self, openid: str) -> str:
        """A one-time sign-in link, as ``linli console link OPENID`` prints it."""
        code, out, err = await self.cli("console", "link", openid, "--base", self.url)
        assert code == 0, err
        found = re.search(r"\S+/console/login\?t=\S+", out)
        assert found, out
        return found.group(0)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Rows straight from the server's database (what the pages must agree with)."""
        conn = await asyncpg.connect(self.database_url.replace("postgres://", "postgresql://"))
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    async def value(self, sql: str, *args: Any) -> Any:
        rows = await self.fetch(sql, *args)
        return rows[0][0] if rows else None

    async def execute(self, sql: str, *args: Any) -> str:
        conn = await asyncpg.connect(self.database_url.replace("postgres://", "postgresql://"))
        try:
            return await conn.execute(sql, *args)
        finally:
            await conn.close()

    async def sent(self, openid: str) -> list[dict[str, Any]]:
        """What the sandbox (in the serve process) has delivered to ``openid``."""
        async with aiohttp.ClientSession() as http, http.get(
                f"{self.url}/sandbox/wechat/_sandbox/messages", params={"openid": openid}) as r:
            assert r.status == 200
            return (await r.json())["messages"]


def _wait_healthy(proc: subprocess.Popen, url: str, log: typing.IO[bytes]) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise AssertionError(f"linli serve exited: {log.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise AssertionError("linli serve did not start")


def _drop_redis_prefix(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(match=f"{prefix}*", count=500):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture(scope="module")
def console_server(real_redis_checked: bool) -> Iterator[ConsoleServer]:
    """``linli serve`` on a fresh PostgreSQL database and Redis prefix, with the demo data."""
    from tests.conftest import REDIS_URL, _create_pg_database, _drop_pg_database

    database_url = asyncio.run(_create_pg_database())
    prefix = f"linli-b-{uuid.uuid4().hex[:10]}:"
    media = tempfile.mkdtemp(prefix="linli-browser-media-")
    port = _free_port()
    env = {**os.environ, "LINLI_DATABASE_URL": database_url, "LINLI_REDIS_URL": REDIS_URL,
           "LINLI_REDIS_PREFIX": prefix, "LINLI_MEDIA_DIR": media,
           "LINLI_WECHAT_API_BASE": "", "LINLI_WECHAT_SECRET": "", "LINLI_WECHAT_TOKEN": "",
           "LINLI_WECHAT_APPID": "", "LINLI_WECHAT_AES_KEY": "", "LINLI_PUBLIC_URL": "",
           "LINLI_SANDBOX_PUBLIC": ""}
    proc = None
    try:
        _cli(env, "migrate")
        _cli(env, "demo-data")
        # The access log (a line per request) goes to a file: an unread pipe fills up and
        # blocks the server at its next log write.
        log = tempfile.TemporaryFile()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port",
             str(port)], env=env, stdout=subprocess.DEVNULL, stderr=log,
            start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(proc, url, log)
        yield ConsoleServer(url, env, database_url)
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, 15)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait(5)
        asyncio.run(_drop_pg_database(database_url))
        _drop_redis_prefix(REDIS_URL, prefix)
        shutil.rmtree(media, ignore_errors=True)


def _chromium() -> str:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (.ci/run installs chromium)"
    return CHROMIUM


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    """One headless Debian Chromium for the module's tests."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=_chromium(), headless=True,
                                            args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="module")
async def context(browser: Any, console_server: ConsoleServer) -> AsyncIterator[Any]:
    """A fresh browser context (no cookies) per test, in Chinese, on Beijing time."""
    ctx = await browser.new_context(base_url=console_server.url, viewport=VIEWPORT,
                                    locale="zh-CN", timezone_id="Asia/Shanghai",
                                    accept_downloads=True)
    ctx.set_default_timeout(15_000)
    yield ctx
    await ctx.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(context: Any) -> AsyncIterator[Any]:
    """A page of the test's own context. A script error, anything the Content-Security-
    Policy blocks, or a failed request of a script (fetch) or a style fails the test."""
    p = await context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(f"script error: {exc}"))
    p.on("console", lambda msg: errors.append(f"console: {msg.text}")
         if msg.type == "error" and "Content Security Policy" in msg.text else None)

    def failed(response: Any) -> None:  # a script's or a style's request that failed
        kind = response.request.resource_type
        if response.status >= 400 and kind not in ("document", "other") and \
                not response.url.endswith("/favicon.ico"):
            errors.append(f"{response.status} {kind} {response.url}")

    p.on("response", failed)
    yield p
    assert not errors, errors


Login = Callable[[Any, str], Awaitable[None]]


@pytest.fixture(scope="module")
def _sessions() -> dict[str, list[dict]]:
    return {}


@pytest.fixture
def login(console_server: ConsoleServer, _sessions: dict[str, list[dict]]) -> Login:
    """``await login(page, openid)``: a link from the CLI, opened, 进入 pressed; the page is
    then on the overview. Running the CLI takes seconds, so a person's first sign-in in the
    module goes through the link and later ones (fresh contexts all the same) are given that
    session's cookie, as a second tab of the same browser would have it."""

    async def sign_in(p: Any, openid: str) -> None:
        if openid in _sessions:
            await p.context.add_cookies(_sessions[openid])
            await p.goto("/console/")
            if p.url == f"{console_server.url}/console/":
                return
            del _sessions[openid]  # the session ended: sign in again
        await p.goto(await console_server.link(openid))
        await p.click("#enter")
        await p.wait_for_url(f"{console_server.url}/console/")
        _sessions[openid] = [c for c in await p.context.cookies()
                             if c["name"] == "linli_console"]

    return sign_in


Shoot = Callable[[Any, str], Awaitable[Path]]


@pytest.fixture
def shoot(request: pytest.FixtureRequest) -> Shoot:
    """``await shoot(page, "overview")``: a full-page screenshot, a test artefact."""
    test = re.sub(r"[^\w.-]+", "_", request.node.name)

    async def save(p: Any, label: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{test}-{label}.png"
        await p.screenshot(path=str(path), full_page=True)
        return path

    return save
