"""Choosing the channel for one message, in WeChat's order of preference, and WeChat's
48-hour customer-service window: outside it WeChat refuses the customer-service message
(45015, or 45047 past the count) and the next channel takes over.

1. the next passive reply, if the person is chatting right now (offered, not sent here);
2. a customer-service message (only inside 48 h of their last message, 5 per window:
   counted in ``budget`` so a spent window costs no round trip);
3. a subscribe message, if they granted one (counted in ``grants``): an Official Account
   grant as a subscription notice (bizsend), a mini-program grant as the mini-program's
   subscribe message, each to the person's openid in that app;
4. a template message, if one is configured;
5. none: held until they write again.

A refusal (quota, window, no grant, no openid in that app) moves on to the next channel and
is never retried; a transient failure stops the chain: the caller backs off and tries again
later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from handlers.ports import DeliveryFailed, DeliveryRefused, Messenger, Notice, NoticeSender
from handlers.push import budget, grants
from storage import clock, keys, presence
from storage.core.models import OutboxMessage
from storage.kv import KV

CHATTING = timedelta(seconds=90)  # wrote this recently: the next reply will come soon
REPLY, CS, SUBSCRIBE, TEMPLATE = "reply", "cs", "subscribe", "template"
REFUSED_BY_PERSON = 43101  # WeChat: the person refused, or the grant is used up


@dataclass
class Outcome:
    channel: str = ""  # the channel that took it ("reply": offered), "" = none did
    error: str = ""
    transient: bool = False


async def chatting(kv: KV, openid: str) -> bool:
    seen = await presence.last_seen(kv, openid)
    return seen is not None and clock.now() - seen <= CHATTING


async def chatting_among(kv: KV, openids: list[str]) -> set[str]:
    """Who of ``openids`` is chatting now, in one Redis round trip (``storage.presence``'s
    keys and values)."""
    if not openids:
        return set()
    raw = await kv.redis.mget([keys.seen(kv, o) for o in openids])
    now = clock.now().timestamp()
    return {o for o, seen in zip(openids, raw, strict=True)
            if seen and now - float(seen) <= CHATTING.total_seconds()}


async def choose_and_send(rows: list[OutboxMessage], text: str, notice: Notice,
                          messenger: Messenger, kv: KV | None,
                          is_chatting: bool | None = None) -> Outcome:
    """Send through the first channel that takes it. ``is_chatting`` (None: look it up in
    ``kv``) decides whether to offer it to the next passive reply instead."""
    openid = rows[0].openid
    if kv is not None and all(r.channel != REPLY for r in rows):
        if is_chatting is None:
            is_chatting = await chatting(kv, openid)
        if is_chatting:
            return Outcome(REPLY)
    refused: list[str] = []
    try:
        if await _customer_service(messenger, kv, openid, text, refused):
            return Outcome(CS)
        if isinstance(messenger, NoticeSender):
            if await _subscribe(messenger, openid, notice, refused):
                return Outcome(SUBSCRIBE)
            if messenger.template_id:
                try:
                    await messenger.send_template(openid, notice)
                    return Outcome(TEMPLATE)
                except DeliveryRefused as exc:
                    refused.append(f"{TEMPLATE} {exc.code}")
    except DeliveryFailed as exc:
        return Outcome(error=str(exc), transient=True)
    return Outcome(error="refused " + ", ".join(refused))


async def _customer_service(messenger: Messenger, kv: KV | None, openid: str, text: str,
                            refused: list[str]) -> bool:
    """Send by customer service unless our count says WeChat would refuse it."""
    code = await budget.refusal(kv, openid) if kv is not None else None
    if code is not None:
        refused.append(f"{CS} {code} counted")
        return False
    try:
        await messenger.send_text(openid, text)
    except DeliveryRefused as exc:
        refused.append(f"{CS} {exc.code}")
        if kv is not None and exc.code == budget.OUT_OF_COUNT:
            await budget.spent_all(kv, openid)
        elif kv is not None and exc.code == budget.OUT_OF_WINDOW:
            await budget.closed(kv, openid)
        return False
    if kv is not None:
        await budget.spend(kv, openid)
    return True


async def _subscribe(messenger: NoticeSender, key: str, notice: Notice,
                     refused: list[str]) -> bool:
    """The first of the person's grants that carries it; a refused grant is withdrawn (43101:
    refused or used up) and the next one tried, never the same one again."""
    for grant in await grants.usable(key, messenger.subscribe_templates):
        template = grant.template_id
        if not await grants.take(key, template):
            continue  # used a moment ago by another sender
        try:
            await messenger.send_subscribe(key, notice, grant.app, template)
            return True
        except DeliveryRefused as exc:
            if exc.code == REFUSED_BY_PERSON:  # refused or used up: trust WeChat
                await grants.withdraw(key, template)
            else:  # not used (no openid in that app, a bad value): keep it
                await grants.give_back(key, template)
            refused.append(f"{SUBSCRIBE} {grant.app} {exc.code}")
        except DeliveryFailed:
            await grants.give_back(key, template)
            raise
    return False
