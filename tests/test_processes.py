"""The service as operators run it: `linli serve` processes, one or several workers."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import callbacks
from bot.config import SANDBOX_APPID, SANDBOX_SECRET, SANDBOX_TOKEN
from handlers.staff import create_invite
from storage.core.models import Person, ProcessedMessage, Role
from tests.support.cli import run_cli

# The CLI and the service run in processes of their own, on the real time of day.
pytestmark = pytest.mark.real_clock


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def serving(env: dict[str, str], *args: str) -> AsyncIterator[str]:
    port = _free_port()
    # The service logs a line per request: into a file, never an unread pipe (a full pipe
    # blocks the server's next log write, and with it every request).
    log = tempfile.TemporaryFile()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", "--port", str(port), *args,
        env={**os.environ, **env}, stdout=asyncio.subprocess.DEVNULL,
        stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            # Up to 30 s: spawned workers import everything afresh, slowly on a busy machine.
            for _ in range(300):
                try:
                    async with http.get(url + "/healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if proc.returncode is not None:
                    log.seek(0)
                    raise AssertionError(log.read().decode()[-2000:])
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("service did not start")
        yield url
    finally:
        if proc.returncode is None:
            os.killpg(proc.pid, 15)
            await asyncio.wait_for(proc.wait(), 15)
        log.close()


async def _post(http: aiohttp.ClientSession, url: str, xml: str, token: str) -> str | None:
    async with http.post(url + "/wechat", params=callbacks.signed_query(token),
                         data=xml.encode()) as r:
        assert r.status == 200
        return callbacks.reply_text(None, await r.text(), {})


async def test_make_run_sequence_on_embedded_defaults(tmp_path):
    """What `make run` does: migrate, load demo data, serve with SQLite, fakeredis, sandbox."""
    env = {"LINLI_DATABASE_URL": f"sqlite://{tmp_path}/linli.sqlite3",
           "LINLI_MEDIA_DIR": str(tmp_path / "media")}
    for var in ("LINLI_REDIS_URL", "LINLI_WECHAT_API_BASE", "LINLI_WECHAT_SECRET"):
        env[var] = ""
    for step in (["migrate"], ["demo-data"], ["demo-data"]):  # demo data loads twice safely
        result = await run_cli(*step, env=env)
        assert result.code == 0, result.err
    async with serving(env) as url, aiohttp.ClientSession() as http:
        staff = await _post(http, url, callbacks.text("demo-grid-g01", "帮助"), SANDBOX_TOKEN)
        assert "工作人员功能" in staff
        reply = await _post(http, url, callbacks.text("o-emb", "帮助"), SANDBOX_TOKEN)
        assert "功能菜单" in reply
        # The mounted sandbox answers WeChat's API and the simulator's read-only path.
        async with http.post(url + "/sandbox/wechat/cgi-bin/stable_token", json={
                "grant_type": "client_credential", "appid": SANDBOX_APPID,
                "secret": SANDBOX_SECRET}) as r:
            assert "access_token" in await r.json()
        async with http.get(url + "/sandbox/wechat/_sandbox/messages",
                            params={"openid": "o-emb"}) as r:
            assert (await r.json())["messages"] == []


async def test_two_workers_share_one_effect(pg_db, sandbox, redis_prefix):
    pg_backend = pg_db
    env = {
        "LINLI_DATABASE_URL": pg_backend.database_url, "LINLI_REDIS_URL": pg_backend.redis_url,
        "LINLI_REDIS_PREFIX": redis_prefix, "LINLI_WECHAT_API_BASE": sandbox.url,
        "LINLI_WECHAT_SECRET": SANDBOX_SECRET, "LINLI_WECHAT_TOKEN": SANDBOX_TOKEN,
        "LINLI_WECHAT_APPID": SANDBOX_APPID,
    }
    code = await create_invite(Role.GRID_WORKER, "王梦苏", grid="G01")
    xml = callbacks.text("o-w2", f"绑定 {code}", msg_id=777001)
    async with serving(env, "--workers", "2") as url, aiohttp.ClientSession() as http:
        replies = await asyncio.gather(*(_post(http, url, xml, SANDBOX_TOKEN)
                                         for _ in range(4)))
        # Several distinct requests, so both workers are likely to take part.
        for i in range(20):
            assert "功能菜单" in await _post(http, url, callbacks.text(f"o-x{i}", "帮助"),
                                          SANDBOX_TOKEN)
    assert len(set(replies)) == 1 and "绑定成功" in replies[0]
    assert await ProcessedMessage.filter(dedup_key="m:777001").count() == 1
    assert (await Person.get(openid="o-w2")).role is Role.GRID_WORKER


def _http_counts(directory) -> dict[str, float]:
    """linli_http_requests_total summed per worker, from each worker's own metrics file."""
    from prometheus_client.multiprocess import MultiProcessCollector

    counts = {}
    for path in directory.glob("counter_*.db"):
        counts[path.stem] = sum(
            s.value for m in MultiProcessCollector.merge([str(path)])
            for s in m.samples if s.name == "linli_http_requests_total")
    return counts


async def test_metrics_of_every_worker_in_each_scrape(pg_db, sandbox, redis_prefix, tmp_path):
    """`linli serve --workers 2`: whichever worker answers /metrics counts both workers'
    requests (prometheus_client's multiprocess mode, in the operator's directory here)."""
    metrics = tmp_path / "prometheus"
    metrics.mkdir()
    (metrics / "counter_1.db").write_bytes(b"a previous run's")  # removed at start
    env = {
        "LINLI_DATABASE_URL": pg_db.database_url, "LINLI_REDIS_URL": pg_db.redis_url,
        "LINLI_REDIS_PREFIX": redis_prefix, "LINLI_WECHAT_API_BASE": sandbox.url,
        "LINLI_WECHAT_SECRET": SANDBOX_SECRET, "LINLI_WECHAT_TOKEN": SANDBOX_TOKEN,
        "LINLI_WECHAT_APPID": SANDBOX_APPID, "PROMETHEUS_MULTIPROC_DIR": str(metrics),
    }
    sent = 0
    async with serving(env, "--workers", "2", "--no-scheduler") as url, \
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        # A connection each: the kernel spreads them over both workers (SO_REUSEPORT). Go on
        # until both have answered some (the second may start a moment after the first).
        for _ in range(40):
            for _ in range(10):
                async with http.get(url + "/api/v1/privacy") as r:
                    assert r.status == 200
                sent += 1
            if sum(1 for n in _http_counts(metrics).values() if n > 0) == 2:
                break
        assert sorted(v > 0 for v in _http_counts(metrics).values()) == [True, True]
        assert sum(_http_counts(metrics).values()) == sent
        for _ in range(4):  # each scrape, whichever worker serves it, has all of them
            async with http.get(url + "/metrics") as r:
                text = await r.text()
            total = sum(s.value for f in text_string_to_metric_families(text)
                        for s in f.samples if s.name == "linli_http_requests_total")
            assert total == sent
            assert "linli_outbox_due" in text


@pytest.mark.parametrize(("env", "args", "message"), [
    ({"LINLI_DATABASE_URL": "sqlite://x.sqlite3", "LINLI_REDIS_URL": "redis://127.0.0.1:6379/0",
      "LINLI_WECHAT_API_BASE": "http://127.0.0.1:9", "LINLI_WECHAT_SECRET": "s",
      "LINLI_WECHAT_TOKEN": "tok123", "LINLI_WECHAT_APPID": "wx0123456789abcdef"},
     ["--workers", "2"], "SQLite is for a single process"),
    ({"LINLI_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
      "LINLI_WECHAT_API_BASE": "http://127.0.0.1:9", "LINLI_WECHAT_SECRET": "s",
      "LINLI_WECHAT_TOKEN": "tok123", "LINLI_WECHAT_APPID": "wx0123456789abcdef"},
     ["--workers", "2"], "in-process Redis"),
    ({}, ["--workers", "2"], "WeChat sandbox"),
    ({"LINLI_WECHAT_API_BASE": "sandbox", "LINLI_WECHAT_SECRET": "a-real-secret"}, [],
     "real secret"),
    ({"LINLI_WECHAT_AES_KEY": "short"}, [], "43-character"),
    ({"LINLI_WECHAT_TIMESTAMP_SKEW": "soon"}, [], "whole number"),
])
async def test_bad_configuration_is_refused_with_a_clear_message(env, args, message):
    base = {"LINLI_REDIS_URL": "", "LINLI_WECHAT_API_BASE": "", "LINLI_WECHAT_SECRET": "",
            "LINLI_DATABASE_URL": "sqlite://var/never-created.sqlite3"}
    result = await run_cli("serve", "--port", "1", *args, env={**base, **env})
    assert result.code == 2
    assert message in result.err


async def test_simulator_against_the_embedded_service(tmp_path, monkeypatch):
    """`linli chat`'s engine: text, location, a photo uploaded to the sandbox, a menu click."""
    from bot.config import Settings
    from bot.simulator import Simulator

    env = {"LINLI_DATABASE_URL": f"sqlite://{tmp_path}/linli.sqlite3",
           "LINLI_MEDIA_DIR": str(tmp_path / "media")}
    for var in ("LINLI_REDIS_URL", "LINLI_WECHAT_API_BASE", "LINLI_WECHAT_SECRET"):
        env[var] = ""
    assert (await run_cli("migrate", env=env)).code == 0
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    for var in ("LINLI_REDIS_URL", "LINLI_WECHAT_API_BASE", "LINLI_WECHAT_SECRET",
                "LINLI_WECHAT_AES_KEY"):
        monkeypatch.delenv(var, raising=False)
    async with serving(env) as url, aiohttp.ClientSession() as http:
        sim = Simulator(url, "sim-test", Settings.from_env({}), False, http)
        assert "功能菜单" in await sim.line("帮助")
        assert "已记下位置" in await sim.line("43.8860,125.3180")  # a location starts 随手拍
        assert "功能菜单" in await sim.line("/click HELP")
        assert "欢迎" in await sim.line("/follow B12-3")
        reply = await sim.line(f"/img {photo}")
        assert reply and not reply.startswith("[HTTP")
        assert await sim.pushes() == []
        # A file the sandbox refuses (40005) is reported, and the session goes on.
        text = tmp_path / "notes.txt"
        text.write_bytes(b"not an image")
        refused = await sim.line(f"/img {text}")
        assert refused and "40005" in refused and "upload refused" in refused
        assert "功能菜单" in await sim.line("帮助")


@pytest.mark.real_clock
async def test_scheduler_process_delivers_the_outbox(pg_db, sandbox, redis_prefix):
    from handlers import outbox

    env = {
        "LINLI_DATABASE_URL": pg_db.database_url, "LINLI_REDIS_URL": pg_db.redis_url,
        "LINLI_REDIS_PREFIX": redis_prefix, "LINLI_WECHAT_API_BASE": sandbox.url,
        "LINLI_WECHAT_SECRET": SANDBOX_SECRET, "LINLI_WECHAT_TOKEN": SANDBOX_TOKEN,
        "LINLI_WECHAT_APPID": SANDBOX_APPID,
    }
    sandbox.state.observe_inbound("o-sched")
    # urgent: due now even in the quiet hours (the process runs on the real time of day)
    await outbox.enqueue("o-sched", "来自调度进程", key="sched-1", urgent=True)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "scheduler", env={**os.environ, **env},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True)
    try:
        for _ in range(150):
            if any(m["openid"] == "o-sched" for m in sandbox.state.sent):
                break
            await asyncio.sleep(0.1)
        sent = [m for m in sandbox.state.sent if m["openid"] == "o-sched"]
        assert len(sent) == 1 and sent[0]["payload"]["text"]["content"] == "来自调度进程"
    finally:
        os.killpg(proc.pid, 15)
        await asyncio.wait_for(proc.wait(), 15)


# -- the sandbox stays on this machine ---------------------------------------------------------
# In sandbox mode /sandbox/wechat/_sandbox/login mints a session for any openid, admins'
# included: served on a public address, anyone could sign in as anyone.

SANDBOX_ENV = {"LINLI_REDIS_URL": "", "LINLI_WECHAT_API_BASE": "", "LINLI_WECHAT_SECRET": "",
               "LINLI_SANDBOX_PUBLIC": ""}


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "2001:db8::1", ""])
async def test_the_sandbox_is_not_served_on_a_public_address(tmp_path, host):
    port = _free_port()
    env = {**SANDBOX_ENV, "LINLI_DATABASE_URL": f"sqlite://{tmp_path}/linli.sqlite3"}
    result = await run_cli("serve", "--host", host, "--port", str(port), env=env, timeout=20)
    assert result.code == 2, (result.out, result.err)
    assert "LINLI_SANDBOX_PUBLIC=1" in result.err and "127.0.0.1" in result.err
    assert "is running" not in result.out  # refused before anything started
    with socket.socket() as s:  # and nothing was bound
        s.bind(("127.0.0.1", port))


@pytest.mark.parametrize("public", ["yes-please", "2"])
async def test_a_garbled_sandbox_public_setting_is_refused(public):
    env = {**SANDBOX_ENV, "LINLI_SANDBOX_PUBLIC": public,
           "LINLI_DATABASE_URL": "sqlite://var/never-created.sqlite3"}
    result = await run_cli("serve", "--port", str(_free_port()), env=env, timeout=20)
    assert result.code == 2 and "LINLI_SANDBOX_PUBLIC" in result.err


async def test_the_sandbox_may_be_served_publicly_when_said_explicitly(tmp_path):
    env = {**SANDBOX_ENV, "LINLI_DATABASE_URL": f"sqlite://{tmp_path}/linli.sqlite3",
           "LINLI_MEDIA_DIR": str(tmp_path / "media"), "LINLI_SANDBOX_PUBLIC": "1"}
    assert (await run_cli("migrate", env=env)).code == 0
    async with serving(env, "--host", "0.0.0.0") as url, aiohttp.ClientSession() as http:
        async with http.get(url + "/healthz") as r:
            assert r.status == 200


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost"])
async def test_the_sandbox_is_served_on_loopback_addresses(tmp_path, host):
    from bot.config import Settings

    Settings.from_env(SANDBOX_ENV).check_host(host)  # no error
    if host == "127.0.0.1":
        return
    with pytest.raises(Exception, match="LINLI_SANDBOX_PUBLIC"):
        Settings.from_env(SANDBOX_ENV).check_host("0.0.0.0")
