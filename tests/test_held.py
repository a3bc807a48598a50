"""storage.held (issue 17): INSERTs that wait for a message's effect record and go with it.

On PostgreSQL a held INSERT is sent by the record's statement (one statement less); it is
never sent when the effect raises or turns out to be a repeat; an INSERT on a savepoint inside
the effect is sent at once. SQLite holds nothing: the same outcomes, one statement each.
"""

from __future__ import annotations

import pytest
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from handlers import outbox
from storage import dedup
from storage.core.models import OutboxMessage, ProcessedMessage
from tests.support.sqlcount import count_statements

pytestmark = pytest.mark.usefixtures("db")


async def _enqueue_two(conn, tag: str) -> list[OutboxMessage]:
    async with outbox.together(conn):
        return [await outbox.enqueue(f"o-staff{k}", f"新案件{tag}", key=f"k:{tag}:{k}",
                                     using_db=conn, urgent=True) for k in range(2)]


def effect_conn():
    """The effect's connection, as the code inside it gets it."""
    return Tortoise.get_connection("default")


async def test_held_rows_go_with_the_record(db):
    with count_statements() as record:
        async with dedup.effect("m1", "o-res") as effect:
            rows = await _enqueue_two(effect_conn(), "a")
            effect.reply = "已上报"
    sent = [s for s in record.sql if "outbox_message" in s]
    assert len(sent) == 1  # one statement wrote the rows: on PostgreSQL the record's own
    if db.name == "postgres":
        assert sent[0].startswith("WITH") and "processed_message" in sent[0]
        assert all(row.id is None for row in rows)  # held: no ids
    else:
        assert all(row.id is not None for row in rows)
    stored = await OutboxMessage.filter(key__startswith="k:a:").order_by("id")
    assert [row.openid for row in stored] == ["o-staff0", "o-staff1"]
    assert (await ProcessedMessage.get(dedup_key="m1")).reply == "已上报"


async def test_held_rows_are_not_written_when_the_effect_raises(db):
    with pytest.raises(RuntimeError):
        async with dedup.effect("m2", "o-res") as effect:
            await _enqueue_two(effect_conn(), "b")
            effect.reply = "已上报"
            raise RuntimeError("the case could not be routed")
    assert await OutboxMessage.filter(key__startswith="k:b:").count() == 0
    assert await ProcessedMessage.filter(dedup_key="m2").count() == 0


async def test_held_rows_roll_back_with_a_repeat(db):
    async with dedup.effect("m3", "o-res") as effect:
        effect.reply = "第一次"
    with pytest.raises(dedup.AlreadyHandled) as repeat:
        async with dedup.effect("m3", "o-res") as effect:
            await _enqueue_two(effect_conn(), "c")
            effect.reply = "第二次"
    assert repeat.value.reply == "第一次"
    assert await OutboxMessage.filter(key__startswith="k:c:").count() == 0


async def test_a_savepoint_inside_the_effect_sends_at_once(db):
    """What is written on a savepoint is sent at once: a rollback to it cannot leave a held
    row behind to be sent with the record."""
    async with dedup.effect("m4", "o-res") as effect:
        with pytest.raises(RuntimeError):
            async with in_transaction() as inner:
                rows = await _enqueue_two(inner, "d")
                assert all(row.id is not None for row in rows)
                raise RuntimeError("rolled back to the savepoint")
        kept = await _enqueue_two(effect_conn(), "e")
        effect.reply = "好"
    assert await OutboxMessage.filter(key__startswith="k:d:").count() == 0
    assert await OutboxMessage.filter(key__startswith="k:e:").count() == len(kept) == 2


async def test_reply_if_stores_the_reply_its_insert_decides(db):
    """The record's reply made conditional on an INSERT in its own statement (the privacy
    notice's): the alternative the first time, the plain reply after."""
    sql = ('INSERT INTO "processed_message" ("dedup_key", "openid", "reply", "created_at") '
           "SELECT $1::text, $2::text, NULL, now() ON CONFLICT DO NOTHING RETURNING \"id\"")
    if db.name != "postgres":
        pytest.skip("reply_if: PostgreSQL only (SQLite asks before the record)")
    replies = []
    for n in range(2):
        async with dedup.effect(f"m5-{n}", "o-res", step_key=f"step:{n}") as effect:
            effect.reply = "已上报"
            assert effect.holds
            effect.reply_if(sql, ["marker:o-res", "o-res"], "已上报\n\n隐私说明")
        replies.append(effect.reply)
    assert replies == ["已上报\n\n隐私说明", "已上报"]
    stored = {r.dedup_key: r.reply for r in await ProcessedMessage.all()}
    assert stored["m5-0"] == stored["step:0"] == "已上报\n\n隐私说明"
    assert stored["m5-1"] == stored["step:1"] == "已上报"
    assert "marker:o-res" in stored
