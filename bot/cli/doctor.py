"""``linli doctor``: checks an operator runs after configuring (or before a demo).

Each check prints one line, ``OK``, ``WARN`` or ``FAIL``, its name and what it found. A
failure (the database, Redis or the WeChat token unreachable) exits 1; warnings exit 0. The
warnings say who would not hear of new cases: staff outside WeChat's 48-hour window are
reached only by a template message, or a subscribe message they granted.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass

import aiohttp

from bot.config import Settings
from bot.wechat.client import WeChatClient
from bot.wechat.retry import RetryPolicy
from handlers.push.grants import without_grant
from storage import db
from storage.core.models import Person
from storage.core.models.people import STAFF_ROLES
from storage.kv import KV, create_redis

OK, WARN, FAIL = "OK", "WARN", "FAIL"


@dataclass
class Check:
    level: str
    name: str
    detail: str

    def __str__(self) -> str:
        return f"{self.level:<5}{self.name}: {self.detail}"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("doctor", help="check the database, Redis, WeChat and whether "
                                             "staff can be reached outside the 48 h window")
    p.set_defaults(func=run_doctor)


def run_doctor(_args: argparse.Namespace) -> int:
    checks = asyncio.run(diagnose(Settings.from_env()))
    for check in checks:
        print(check)
    return 1 if any(c.level == FAIL for c in checks) else 0


async def diagnose(settings: Settings) -> list[Check]:
    kv = KV(create_redis(settings.redis_url), settings.redis_prefix)
    try:
        database = await _guard("database", _database(settings))
        checks = [database, await _guard("redis", _redis(kv)),
                  await _guard("wechat token", _token(settings, kv)), _templates(settings)]
        if database.level == OK:
            checks.append(await _guard("staff channels", _staff(settings)))
        return checks
    finally:
        await kv.close()
        await db.close_db()


async def _guard(name: str, check: Awaitable[Check]) -> Check:
    try:
        return await asyncio.wait_for(check, 15)
    except Exception as exc:  # the check's finding: unreachable, refused, misconfigured
        return Check(FAIL, name, f"{type(exc).__name__}: {exc}"[:300])


async def _database(settings: Settings) -> Check:
    await db.init_db(settings.database_url)
    await db.ping()
    kind = "SQLite" if settings.embedded_database else "PostgreSQL"
    return Check(OK, "database", f"{kind} answers")


async def _redis(kv: KV) -> Check:
    await kv.redis.ping()
    return Check(OK, "redis", "answers")


async def _token(settings: Settings, kv: KV) -> Check:
    if settings.sandbox:
        return Check(OK, "wechat token", "the built-in sandbox (served by linli serve)")
    async with aiohttp.ClientSession() as http:
        client = WeChatClient(http, kv, settings.wechat_appid, settings.wechat_secret,
                              settings.wechat_api_base, retry=RetryPolicy(attempts=1))
        await client.access_token()
    return Check(OK, "wechat token", f"stable_token from {settings.wechat_api_base}")


def _templates(settings: Settings) -> Check:
    found = [f"{name} {value}" for name, value in (
        ("template message", settings.template_progress),
        ("subscribe message", settings.subscribe_template_progress)) if value]
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
                 f"{names}{more}")


async def _without_channel(settings: Settings, staff: list[Person]) -> list[Person]:
    template = settings.subscribe_template_progress
    if not template:
        return staff
    lacking = set(await without_grant([p.openid for p in staff], template))
    return [p for p in staff if p.openid in lacking]


