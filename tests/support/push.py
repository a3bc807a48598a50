"""Shared pieces of the push tests: a messenger with every channel, crafted cases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import aiohttp

from bot.config import SANDBOX_APPID, SANDBOX_SECRET
from bot.wechat.client import WeChatClient
from bot.wechat.messenger import WeChatMessenger
from bot.wechat.retry import RetryPolicy
from storage import clock
from storage.reports.models import Case, CaseStatus

SUB, TPL = "sub-progress", "tpl-progress"
CUSTOM = "/cgi-bin/message/custom/send"
SUBSCRIBE = "/cgi-bin/message/subscribe/send"
BIZSEND = "/cgi-bin/message/subscribe/bizsend"
TEMPLATE = "/cgi-bin/message/template/send"


@asynccontextmanager
async def messenger_with_all_channels(sandbox, kv) -> AsyncIterator[WeChatMessenger]:
    """Customer-service, subscribe (template SUB) and template (TPL) messages."""
    sandbox.state.templates.add(TPL)
    async with aiohttp.ClientSession() as http:
        client = WeChatClient(http, kv, SANDBOX_APPID, SANDBOX_SECRET, sandbox.url,
                              retry=RetryPolicy(attempts=1, base_delay=0.01))
        yield WeChatMessenger(client, subscribe_template=SUB, template_id=TPL)


def sent(sandbox, openid: str, endpoint: str | None = None) -> list[dict]:
    return [m for m in sandbox.state.sent
            if m["openid"] == openid and (endpoint is None or m["endpoint"] == endpoint)]


def content(message: dict) -> str:
    payload = message["payload"]
    if "text" in payload:
        return payload["text"]["content"]
    return " ".join(v["value"] for v in payload["data"].values())


async def case(number: str, reporter: str = "r1", **fields) -> Case:
    return await Case.create(number=number, reporter_openid=reporter, category_code="road",
                             status=fields.pop("status", CaseStatus.DISPATCHED), **fields)


def advance_to_local(hour: int, minute: int = 0) -> datetime:
    """Move the clock forward to the next hour:minute in Asia/Shanghai; returns it (UTC)."""
    now = clock.local()
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    clock.advance(target - now)
    return clock.now()
