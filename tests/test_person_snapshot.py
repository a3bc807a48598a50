"""The person's snapshot in Redis (storage.person_cache): read with the turn, so an ordinary
message needs no database query, and never older than ``TTL`` seconds after it was read from
the database - however often the person writes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import orjson

from bot import keys as app_keys
from storage import clock, keys, person_cache
from storage.core.models import Person, Role
from tests.support.sqlcount import count_statements


def _kv(bot):
    return bot.client.app[app_keys.KV_STORE]


async def _snapshot(bot, openid: str) -> dict | None:
    kv = _kv(bot)
    raw = await kv.redis.get(keys.person(kv, openid))
    return orjson.loads(raw) if raw else None


async def test_a_message_that_changes_nothing_does_not_extend_the_snapshot(bot):
    await Person.create(openid="o-snap", role=Role.RESIDENT, name="周大妈")
    kv = _kv(bot)
    key = keys.person(kv, "o-snap")
    await bot.say("o-snap", "帮助")  # read from the database: the snapshot is kept TTL s
    assert (await _snapshot(bot, "o-snap"))["name"] == "周大妈"
    first = await kv.redis.pttl(key)
    assert person_cache.TTL * 1000 - 2_000 < first <= person_cache.TTL * 1000
    await asyncio.sleep(0.3)
    with count_statements() as record:
        await bot.say("o-snap", "帮助")  # from the snapshot: the database is not asked
    assert len(record) == 0, record.show()
    assert await kv.redis.pttl(key) <= first - 250


async def test_a_change_made_elsewhere_shows_while_the_person_keeps_writing(bot):
    """The CLI renames a person who writes every few seconds: once the snapshot's TTL has run
    out (shortened here), the next message reads the row again."""
    await Person.create(openid="o-busy", role=Role.RESIDENT, name="周大妈")
    kv = _kv(bot)
    key = keys.person(kv, "o-busy")
    await bot.say("o-busy", "帮助")
    await Person.filter(openid="o-busy").update(name="周桂兰")  # not through this pipeline
    await kv.redis.pexpire(key, 400)  # as if most of the TTL had passed
    await bot.say("o-busy", "帮助")
    assert (await _snapshot(bot, "o-busy"))["name"] == "周大妈"
    await asyncio.sleep(0.6)
    await bot.say("o-busy", "帮助")
    assert (await _snapshot(bot, "o-busy"))["name"] == "周桂兰"


async def test_the_time_of_the_last_message_written_is_in_the_snapshot(bot):
    """Every ``SEEN_WRITE_EVERY`` a message records when the person last wrote; the snapshot
    is written again with it, so the next message does not write it again."""
    await Person.create(openid="o-seen", role=Role.RESIDENT)
    await bot.say("o-seen", "帮助")
    before = (await _snapshot(bot, "o-seen"))["last_message_at"]
    clock.advance(timedelta(minutes=11))
    with count_statements() as record:
        await bot.say("o-seen", "帮助")
    assert any(s.startswith("UPDATE") for s in record.sql), record.show()
    row = await Person.get(openid="o-seen")
    after = (await _snapshot(bot, "o-seen"))["last_message_at"]
    assert after > before and after == row.last_message_at.timestamp()
    clock.advance(timedelta(minutes=1))
    with count_statements() as record:
        await bot.say("o-seen", "帮助")
    assert len(record) == 0, record.show()


async def test_the_snapshot_holds_every_field_of_the_row(db):
    """A field added to Person is in the snapshot without anyone remembering to add it: a
    snapshot without ``app`` and ``unionid`` made a partial model (``_partial``, reading
    ``person.app`` raised AttributeError) through tortoise's slow path."""
    made = await Person.create(openid="o-all", role=Role.GRID_WORKER, name="王梦苏",
                               unionid="u-1", app="oa", grid="G01", phone="13800000000",
                               last_message_at=clock.now())
    row = await Person.get(openid="o-all")
    copy = person_cache.decode(person_cache.encode(row).encode())
    assert copy is not None and not copy._partial
    for name in Person._meta.fields_map:
        assert getattr(copy, name) == getattr(row, name), name
    assert copy.pk == made.pk and copy._saved_in_db
    # Built as tortoise builds a row read from the database, attribute for attribute.
    doc = orjson.loads(person_cache.encode(row))
    for name in person_cache.TIMES:
        doc[name] = datetime.fromtimestamp(doc[name], UTC)
    assert vars(copy) == vars(Person._init_from_db(**doc))
    assert isinstance(copy.role, Role) and copy.role is Role.GRID_WORKER
    copy.name = "王梦"  # and it saves like one
    await copy.save(update_fields=["name"])
    assert (await Person.get(openid="o-all")).name == "王梦"
    # An old snapshot (written before a field existed) is read from the database instead.
    old = orjson.loads(person_cache.encode(row))
    del old["unionid"]
    assert person_cache.decode(orjson.dumps(old)) is None
    # A damaged one too.
    good = orjson.loads(person_cache.encode(row))
    for damage in ({"role": "nonsense"}, {"id": "5"}, {"subscribed": "yes"},
                   {"created_at": "today"}):
        assert person_cache.decode(orjson.dumps({**good, **damage})) is None, damage
    assert person_cache.decode(b"{not json") is None
