"""Exactly one effect per message, under WeChat's retries, across app instances; the deadline."""

from __future__ import annotations

import asyncio
import time

import redis.asyncio as aioredis

from bot import callbacks, keys
from handlers.staff import create_invite
from storage.core.models import OutboxMessage, Person, ProcessedMessage, Role, StaffInvite
from tests.support.person_lock import person_lock


async def _bind_xml(openid: str, code: str, msg_id: int) -> str:
    return callbacks.text(openid, f"绑定 {code}", msg_id=msg_id)


async def test_redelivery_gets_same_reply_and_one_effect(bot):
    code = await create_invite(Role.ADMIN, "张丽")
    xml = await _bind_xml("o-r", code, 9001)
    replies = [await bot.send(xml, "o-r") for _ in range(4)]
    assert len(set(replies)) == 1 and "绑定成功" in replies[0]
    assert await ProcessedMessage.filter(dedup_key="m:9001").count() == 1
    assert (await StaffInvite.get()).used_by == "o-r"


async def test_concurrent_deliveries_to_two_instances(make_bot):
    first, second = await make_bot(), await make_bot()
    code = await create_invite(Role.GRID_WORKER, "王梦苏", grid="G01")
    xml = await _bind_xml("o-c", code, 9002)
    # WeChat's four deliveries of one message, spread over two app instances at once.
    resps = await asyncio.gather(*(b.post(xml, "o-c") for b in (first, second, first, second)))
    texts = [callbacks.reply_text(None, await r.text(), {}) for r in resps]
    assert all(r.status == 200 for r in resps)
    assert len(set(texts)) == 1 and "绑定成功" in texts[0], texts
    assert await ProcessedMessage.filter(dedup_key="m:9002").count() == 1
    assert (await Person.get(openid="o-c")).role is Role.GRID_WORKER


async def test_database_remembers_when_redis_forgets(bot, backend, redis_prefix):
    code = await create_invite(Role.ADMIN, "张丽")
    xml = await _bind_xml("o-f", code, 9003)
    first = await bot.send(xml, "o-f")
    kv = bot.client.app[keys.KV_STORE]
    await kv.redis.delete(kv.key("msg", "m:9003"))  # Redis lost the key (restart, eviction)
    again = await bot.send(xml, "o-f")
    assert again == first and "绑定成功" in first
    assert await ProcessedMessage.filter(dedup_key="m:9003").count() == 1


async def test_events_are_deduplicated_by_sender_time_and_key(bot):
    xml = callbacks.event("o-ev", "subscribe", "qrscene_B1", create_time=1_700_000_000)
    assert "欢迎" in (await bot.send(xml, "o-ev"))
    assert "欢迎" in (await bot.send(xml, "o-ev"))  # the same answer, from the cache
    other = callbacks.event("o-ev", "subscribe", "qrscene_B2", create_time=1_700_000_000)
    assert "B2" in (await bot.send(other, "o-ev"))  # a different EventKey is a new event


async def test_slow_handling_answers_success_then_pushes_reply(make_bot, sandbox):
    bot = await make_bot(reply_deadline=0.3)
    kv = bot.client.app[keys.KV_STORE]
    # Another process is still busy with this person: the message must wait its turn.
    lock = person_lock(kv, "o-slow")
    assert await lock.acquire()
    started = time.perf_counter()
    resp = await bot.post(callbacks.text("o-slow", "帮助"), "o-slow")
    elapsed = time.perf_counter() - started
    assert resp.status == 200 and await resp.text() == "success"
    assert elapsed < 2.0
    assert not [m for m in sandbox.state.sent if m["openid"] == "o-slow"]
    await lock.release()
    await bot.client.app[keys.PIPELINE].drain()
    pushed = [m for m in sandbox.state.sent if m["openid"] == "o-slow"]
    assert len(pushed) == 1, sandbox.state.sent
    assert "功能菜单" in str(pushed[0]["payload"])
    row = await OutboxMessage.get(openid="o-slow")
    assert row.status == "sent"


async def test_retry_during_first_delivery_waits_for_its_reply(make_bot):
    bot = await make_bot(reply_deadline=3.0)
    kv = bot.client.app[keys.KV_STORE]
    lock = person_lock(kv, "o-wait")
    await lock.acquire()
    xml = callbacks.text("o-wait", "帮助", msg_id=9010)
    first = asyncio.create_task(bot.post(xml, "o-wait"))
    await asyncio.sleep(0.2)
    retry = asyncio.create_task(bot.post(xml, "o-wait"))
    await asyncio.sleep(0.2)
    await lock.release()
    texts = [callbacks.reply_text(None, await (await t).text(), {}) for t in (first, retry)]
    assert texts[0] == texts[1] and "功能菜单" in texts[0]


async def test_real_redis_keys_are_namespaced(bot, backend, redis_prefix):
    await bot.say("o-ns", "帮助")
    if backend.redis_url is None:
        return
    r = aioredis.from_url(backend.redis_url)
    keys_found = [k async for k in r.scan_iter(match=f"{redis_prefix}*")]
    await r.aclose()
    assert keys_found and all(k.decode().startswith(redis_prefix) for k in keys_found)


async def test_person_snapshot_is_cached_and_dropped_after_a_write(bot):
    kv = bot.client.app[keys.KV_STORE]
    await bot.say("o-cache", "帮助")
    assert await kv.redis.get(kv.key("person", "o-cache"))  # cached for the next message
    code = await create_invite(Role.ADMIN, "张丽")
    assert "绑定成功" in await bot.say("o-cache", f"绑定 {code}")
    assert await kv.redis.get(kv.key("person", "o-cache")) is None  # the row changed
    assert "工作人员功能" in await bot.say("o-cache", "帮助")  # the new role, at once


async def test_redis_outage_still_answers_in_chinese(make_bot):
    """WeChat must never show "该公众号暂时无法提供服务" because a dependency failed."""
    bot = await make_bot(redis_url="redis://127.0.0.1:1/0")
    resp = await bot.post(callbacks.text("o-down", "帮助"), "o-down")
    assert resp.status == 200
    assert "系统繁忙" in callbacks.reply_text(None, await resp.text(), {})
    health = await bot.client.get("/healthz")
    assert health.status == 503 and (await health.json())["redis"].startswith("error")
