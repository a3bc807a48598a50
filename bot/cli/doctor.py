"""``linli doctor``: checks an operator runs after configuring (or before a demo).

Each check prints one line, ``OK``, ``WARN`` or ``FAIL``, its name and what it found; every
line that is not OK says what to do. In order: the configuration (LINLI_* variables), the
database and its migrations, Redis, WeChat (reachable, the access_token, the custom menu),
the message templates, and whether staff can be reached outside WeChat's 48-hour window (only
by a template message, or a subscribe message they granted). Any FAIL exits 1; warnings exit 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Awaitable, Mapping

import aiohttp

from bot.cli.doctor_setup import FAIL, OK, WARN, Check, configuration, migrations, where
from bot.config import ConfigError, Settings
from bot.wechat.client import WeChatClient
from bot.wechat.errors import WeChatError
from bot.wechat.explain import describe
from bot.wechat.retry import RetryPolicy
from handlers.push.grants import without_grant
from storage import db
from storage.core.models import Person
from storage.core.models.people import STAFF_ROLES
from storage.db import sqlite_path
from storage.kv import KV, create_redis

__all__ = ["FAIL", "OK", "WARN", "Check", "diagnose", "doctor"]

CHECK_TIMEOUT = 10.0  # seconds for any one check
WECHAT_TIMEOUT = 5.0  # seconds for one call to WeChat


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("doctor", help="check the configuration, database and "
                                             "migrations, Redis, WeChat (reach, token, menu) "
                                             "and whether staff can be reached outside the "
                                             "48 h window")
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.set_defaults(func=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    checks = asyncio.run(doctor(os.environ))
    failed = any(c.level == FAIL for c in checks)
    if args.json:
        print(json.dumps({"ok": not failed, "checks": [c.__dict__ for c in checks]},
                         ensure_ascii=False, indent=2))
    else:
        for check in checks:
            print(check)
    return 1 if failed else 0


async def doctor(env: Mapping[str, str]) -> list[Check]:
    """Every check, for the settings in ``env`` (os.environ when run)."""
    try:
        settings = Settings.from_env(env)
    except ConfigError as exc:
        return [Check(FAIL, "configuration", f"{exc}; nothing else was checked")]
    return configuration(settings) + await diagnose(settings)


async def diagnose(settings: Settings) -> list[Check]:
    kv = KV(create_redis(settings.redis_url), settings.redis_prefix)
    try:
        database = await _guard("database", _database(settings))
        checks = [database]
        if database.level == OK:
            schema = await _guard("migrations", migrations(settings))
            checks.append(schema)
        redis = await _guard("redis", _redis(settings, kv))
        checks.append(redis)
        # The credentials are checked even without Redis (the token cache is then local).
        local = KV(create_redis(None), settings.redis_prefix) if redis.level == FAIL else kv
        try:
            checks += await _wechat(settings, local)
        finally:
            if local is not kv:
                await local.close()
        checks.append(_templates(settings))
        if database.level == OK and schema.level != FAIL:  # the tables are there
            checks.append(await _guard("staff channels", _staff(settings)))
        return checks
    finally:
        await kv.close()
        await db.close_db()


async def _guard(name: str, check: Awaitable[Check]) -> Check:
    try:
        return await asyncio.wait_for(check, CHECK_TIMEOUT)
    except TimeoutError:
        return Check(FAIL, name, f"no answer in {CHECK_TIMEOUT:.0f} s")
    except WeChatError as exc:
        return Check(FAIL, name, describe(exc))
    except Exception as exc:  # the check's finding: unreachable, refused, misconfigured
        return Check(FAIL, name, f"{type(exc).__name__}: {exc}"[:300])


async def _database(settings: Settings) -> Check:
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():  # opening it would create an empty file
        return Check(FAIL, "database", f"there is no database at {path} (no such file): run "
                     "`linli migrate`, or set LINLI_DATABASE_URL to the one linli uses")
    try:
        await db.init_db(settings.database_url)
        await db.ping()
    except Exception as exc:
        return Check(FAIL, "database", f"{where(settings.database_url)}: "
                     f"{type(exc).__name__}: {exc}"[:300] + " (check LINLI_DATABASE_URL and "
                     "that the server runs)")
    return Check(OK, "database", f"{where(settings.database_url)} answers")


async def _redis(settings: Settings, kv: KV) -> Check:
    if settings.embedded_redis:
        await kv.redis.ping()
        return Check(OK, "redis", "in-process (LINLI_REDIS_URL unset)")
    try:
        await kv.redis.ping()
    except Exception as exc:
        return Check(FAIL, "redis", f"{type(exc).__name__}: {exc}"[:200] + " (check "
                     "LINLI_REDIS_URL and that Redis runs)")
    return Check(OK, "redis", "answers")


async def _wechat(settings: Settings, kv: KV) -> list[Check]:
    if settings.sandbox:
        served = "the built-in sandbox (served by linli serve)"
        return [Check(OK, "wechat reach", served), Check(OK, "wechat token", served),
                Check(OK, "wechat menu", "the sandbox's menu lives in linli serve: "
                      "`linli wechat menu push` sets it")]
    async with aiohttp.ClientSession() as http:
        reach = await _guard("wechat reach", _reach(http, settings.wechat_api_base))
        if reach.level == FAIL:
            return [reach]
        client = WeChatClient(http, kv, settings.wechat_appid, settings.wechat_secret,
                              settings.wechat_api_base, timeout=WECHAT_TIMEOUT,
                              retry=RetryPolicy(attempts=1))
        token = await _guard("wechat token", _token(client, settings))
        if token.level == FAIL:
            return [reach, token]
        return [reach, token, await _guard("wechat menu", _menu(client))]


async def _reach(http: aiohttp.ClientSession, base: str) -> Check:
    """Any HTTP answer from the API's host will do: it shows the network lets us through."""
    started = time.monotonic()
    try:
        async with http.get(base + "/", timeout=aiohttp.ClientTimeout(total=WECHAT_TIMEOUT),
                            allow_redirects=False) as resp:
            status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return Check(FAIL, "wechat reach", f"{base} unreachable in {WECHAT_TIMEOUT:.0f} s "
                     f"({detail[:200]}): open outbound HTTPS to it from this machine, or fix "
                     "LINLI_WECHAT_API_BASE")
    elapsed = (time.monotonic() - started) * 1000
    return Check(OK, "wechat reach", f"{base} answers (HTTP {status}, {elapsed:.0f} ms)")


async def _token(client: WeChatClient, settings: Settings) -> Check:
    await client.access_token()
    return Check(OK, "wechat token", f"stable_token for {settings.wechat_appid}")


async def _menu(client: WeChatClient) -> Check:
    from bot.wechat.menu import items
    from handlers.routes import click_keys

    try:
        menu = await client.menu_get()
    except WeChatError as exc:
        return Check(WARN, "wechat menu", f"cannot read the menu: {describe(exc)}")
    if menu is None:
        return Check(WARN, "wechat menu", "no custom menu: followers see only a text box; "
                     "run `linli wechat menu push`")
    keys = {str(item.get("key")) for _, item in items(menu) if item.get("type") == "click"}
    unanswered = sorted(keys - click_keys())
    if unanswered:
        return Check(WARN, "wechat menu", f"buttons the bot does not answer: "
                     f"{', '.join(unanswered)} (run `linli wechat menu push`)")
    return Check(OK, "wechat menu", f"{len(menu.get('button', []))} buttons, every key answered")


def _templates(settings: Settings) -> Check:
    found = [f"{name} {value}" for name, value in (
        ("template message", settings.template_progress),
        ("subscription notice", settings.subscribe_template_progress),
        ("mini-program subscribe message", settings.miniapp_subscribe_progress)) if value]
    if found:
        return Check(OK, "templates", ", ".join(found))
    return Check(WARN, "templates", "none configured: outside the 48 h window nobody hears "
                 "anything until they write (set LINLI_WECHAT_TEMPLATE_PROGRESS or "
                 "LINLI_WECHAT_SUBSCRIBE_PROGRESS)")


async def _staff(settings: Settings) -> Check:
    staff = await Person.filter(role__in=list(STAFF_ROLES)).order_by("id")
    if not staff:
        return Check(OK, "staff channels", "no staff bound yet")
    if settings.template_progress:
        return Check(OK, "staff channels", f"{len(staff)} staff reachable by template message")
    lacking = await _without_channel(settings, staff)
    if not lacking:
        return Check(OK, "staff channels", f"{len(staff)} staff granted subscribe messages")
    names = "、".join(f"{p.name or '?'} ({p.role.value})" for p in lacking[:20])
    more = f" and {len(lacking) - 20} more" if len(lacking) > 20 else ""
    return Check(WARN, "staff channels", f"{len(lacking)} of {len(staff)} staff cannot be "
                 f"reached outside the 48 h window (no template, no subscribe grant): "
                 f"{names}{more}; set a template, or ask them to grant subscribe messages")


async def _without_channel(settings: Settings, staff: list[Person]) -> list[Person]:
    templates = [t for t in (settings.subscribe_template_progress,
                              settings.miniapp_subscribe_progress) if t]
    if not templates:
        return staff
    lacking = {p.openid for p in staff}
    for template in templates:  # a grant of either app's template reaches them
        lacking &= set(await without_grant(list(lacking), template))
    return [p for p in staff if p.openid in lacking]
