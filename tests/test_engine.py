"""The conversation engine with flows declared for the test: state, TTL, ordering, prompts."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

import fakeredis
import pytest
import redis.asyncio as aioredis

from handlers import texts
from handlers.context import Context, Services
from handlers.engine import Router
from handlers.flows import Flow, command, done, goto
from handlers.inbound import Inbound, Kind
from handlers.pipeline import Pipeline, _done_within
from handlers.welcome import EVENTS, menu
from storage.kv import KV

_ids = itertools.count(1)


def msg(openid: str, text: str = "", kind: Kind = Kind.TEXT) -> Inbound:
    return Inbound(kind=kind, openid=openid, dedup_key=f"m:t{next(_ids)}",
                   created_at=datetime.now(UTC), text=text)


async def start_count(ctx: Context):
    ctx.data["n"] = 0
    return goto("count", "开始计数")


async def step_count(ctx: Context):
    if ctx.text != "+":
        return None
    n = ctx.data["n"]
    await asyncio.sleep(0.01)  # a read-modify-write that interleaving would break
    ctx.data["n"] = n + 1
    return goto("count", str(n + 1))


async def start_photo(ctx: Context):
    return goto("describe", "收到照片，请描述问题")


async def step_describe(ctx: Context):
    if ctx.msg.kind is not Kind.TEXT:
        return None
    return done(f"描述：{ctx.text}")


async def ping(ctx: Context):
    return done(f"pong {ctx.arg}".strip())


FLOWS = [
    Flow("count", start_count, {"count": step_count}, keywords=("计数",),
         prompts={"count": "请发送 +"}, timeout=1),
    Flow("photo", start_photo, {"describe": step_describe}, kinds=(Kind.IMAGE,),
         prompts={"describe": "请用文字描述问题"}),
    command("ping", ping, "ping", arg="optional"),
    Flow("done_wish", lambda ctx: _said(f"心愿 {ctx.arg}"), keywords=("完成",), arg="required",
         arg_pattern=r"[Ww]\d"),
    Flow("done_case", lambda ctx: _said(f"案件 {ctx.arg}"), keywords=("完成",), arg="required",
         arg_pattern=r"[Aa]\d"),
]


async def _said(text: str):
    return done(text)


def pipeline(kv: KV) -> Pipeline:
    return Pipeline(Router(FLOWS, EVENTS, menu), Services(kv=kv), deadline=4.0)


async def test_conversation_steps_and_reprompt(db, kv):
    p = pipeline(kv)
    assert (await p.handle(msg("o1", "计数"))).reply == "开始计数"
    assert (await p.handle(msg("o1", "+"))).reply == "1"
    reprompt = (await p.handle(msg("o1", "什么"))).reply
    assert "请发送 +" in reprompt and "取消" in reprompt
    # A command in the middle answers but keeps the conversation.
    assert (await p.handle(msg("o1", "ping 1"))).reply == "pong 1"
    assert (await p.handle(msg("o1", "+"))).reply == "2"
    assert (await p.handle(msg("o1", "取消"))).reply == texts.CANCELLED
    assert "没有看懂" in (await p.handle(msg("o1", "+"))).reply


async def test_message_kind_enters_a_flow(db, kv):
    p = pipeline(kv)
    assert "请描述" in (await p.handle(msg("o2", kind=Kind.IMAGE))).reply
    assert "请用文字描述" in (await p.handle(msg("o2", kind=Kind.LOCATION))).reply
    assert (await p.handle(msg("o2", "井盖丢了"))).reply == "描述：井盖丢了"


async def test_state_expires_with_the_flow_timeout(db, kv):
    p = pipeline(kv)
    await p.handle(msg("o3", "计数"))
    assert await kv.redis.ttl(kv.key("state", "o3")) in (0, 1)
    await asyncio.sleep(1.3)
    # Issue 14: a late answer is told what expired, once; then it is not understood.
    assert "已失效" in (await p.handle(msg("o3", "+"))).reply
    assert "没有看懂" in (await p.handle(msg("o3", "+"))).reply


async def test_one_persons_messages_are_serialised_across_instances(db, backend, redis_prefix):
    """Two pipelines with their own Redis clients: a read-modify-write per message loses none."""
    if backend.redis_url is None:
        server = fakeredis.FakeServer()
        clients = [fakeredis.FakeAsyncRedis(server=server) for _ in range(2)]
    else:
        clients = [aioredis.from_url(backend.redis_url) for _ in range(2)]
    a, b = (pipeline(KV(c, redis_prefix)) for c in clients)
    await a.handle(msg("o4", "计数"))
    results = await asyncio.gather(*((a if i % 2 else b).handle(msg("o4", "+"))
                                     for i in range(10)))
    assert sorted(int(r.reply) for r in results) == list(range(1, 11))
    for c in clients:
        await c.aclose()


async def test_help_words_and_fullwidth(db, kv):
    p = pipeline(kv)
    for word in ("帮助", "菜单", "？", "HELP"):
        assert "功能菜单" in (await p.handle(msg("o5", word.lower()))).reply


async def test_one_keyword_two_flows_told_apart_by_argument(db, kv):
    p = pipeline(kv)
    assert (await p.handle(msg("o6", "完成 W12"))).reply == "心愿 W12"
    assert (await p.handle(msg("o6", "完成A1234"))).reply == "案件 A1234"
    # Neither pattern: the first flow answers (and explains what it expects).
    assert (await p.handle(msg("o6", "完成 xyz"))).reply == "心愿 xyz"
    assert "完成" in (await p.handle(msg("o6", "完成"))).reply  # the argument is required


async def test_exact_commands_win_over_free_text_answers(db, kv):
    p = pipeline(kv)
    await p.handle(msg("o7", kind=Kind.IMAGE))  # now the flow takes any text as a description
    assert (await p.handle(msg("o7", "ping"))).reply == "pong"  # the exact word: a command
    assert (await p.handle(msg("o7", "完成 W3"))).reply == "心愿 W3"  # its own argument form
    # Anything else is the answer the conversation asked for, even if it starts like a command.
    assert (await p.handle(msg("o7", "ping 一下物业"))).reply == "描述：ping 一下物业"


async def test_waiting_for_a_message_within_the_deadline_leaves_it_running():
    """The pipeline's wait for a message's task (``_done_within``): done in time, past the
    deadline (the task goes on), and the waiting request cancelled (the task goes on)."""
    async def takes(seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "done"

    quick = asyncio.create_task(takes(0))
    assert await _done_within(quick, 1.0) and quick.result() == "done"
    slow = asyncio.create_task(takes(0.2))
    assert not await _done_within(slow, 0.05) and not slow.done()
    assert await slow == "done"
    task = asyncio.create_task(takes(0.2))
    waiting = asyncio.create_task(_done_within(task, 5.0))
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await task == "done"
