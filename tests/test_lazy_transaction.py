"""A message's effect whose work is all held is one statement (issue 17).

On PostgreSQL the effect's transaction sends BEGIN only with its first statement
(``storage.asyncpg_pool.LazyTransaction``) and a new case's ids are taken first
(``storage.inserts.take_ids``): the case, its photos, its history and its notices to staff
then go with the effect's record, one statement without BEGIN and COMMIT. These tests pin the
outcomes that must not change: all or nothing, a repeat writes nothing, work that is sent
inside the effect still runs in one transaction, a savepoint still rolls back alone. SQLite
takes the ordinary path: the same outcomes.
"""

from __future__ import annotations

import pytest
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from handlers import outbox
from handlers.reports.lifecycle import history
from handlers.reports.service.cases import submit_case
from storage import dedup, facts, readonce
from storage.asyncpg_pool import LazyTransaction
from storage.core.models import OutboxMessage, Photo, ProcessedMessage
from storage.inserts import take_ids
from storage.reports.models import Case, CaseEvent
from tests.support.reports_staff import G01, RES, district, pushed
from tests.support.reports_staff import report as plain_report
from tests.support.sqlcount import count_statements

pytestmark = pytest.mark.usefixtures("db")


def conn():
    """The connection the code inside an effect gets."""
    return Tortoise.get_connection("default")


async def submitted(media_ids: list[str], description: str = "楼下垃圾堆了三天") -> Case:
    return await submit_case(reporter_openid=RES, category_code="garbage",
                             description=description, lat=43.8860, lng=125.3180,
                             address="人民大街 5588 号", building_code=None,
                             media_ids=media_ids)


async def test_a_held_submission_is_one_statement_without_begin(db):
    await district()
    await plain_report()  # warm: the category and grids read once
    with readonce.scope():
        await facts.version()  # as the chat reads it with the step's check, once a message
        with count_statements() as record:
            async with dedup.effect("m-1", RES) as effect:
                case = await submitted(["MEDIA-A", "MEDIA-B"])
                effect.reply = f"上报成功 {case.number}"
    labels = [s.split()[0].upper() for s in record.sql]
    assert "BEGIN" not in labels and "COMMIT" not in labels or db.name != "postgres"
    if db.name == "postgres":
        assert len(record) == 2, record.show()  # the ids, then everything in one statement
    # Everything is there, as on the ordinary path.
    stored = await Case.get(number=case.number)
    assert stored.id == case.id and stored.number == f"A{1000 + case.id}"
    assert [e.action for e in await history(stored)] == ["submit", "dispatch"]
    events = await CaseEvent.filter(case_id=case.id).order_by("id")
    assert [e.id for e in events] == sorted(e.id for e in events)
    photos = await Photo.filter(owner_kind="report", owner_id=case.number).order_by("id")
    assert [p.media_id for p in photos] == ["MEDIA-A", "MEDIA-B"]
    notes = [n for n in await pushed(G01) if case.number in n]
    assert len(notes) == 1
    images = await OutboxMessage.filter(openid=G01, kind="image").order_by("id")
    assert [row.payload["photo_id"] for row in images][-2:] == [p.id for p in photos]
    assert (await ProcessedMessage.get(dedup_key="m-1")).reply == f"上报成功 {case.number}"


async def test_a_repeat_writes_no_case(db):
    await district()
    async with dedup.effect("m-2", RES) as effect:
        first = await submitted(["MEDIA-C"])
        effect.reply = f"上报成功 {first.number}"
    cases = await Case.all().count()
    with pytest.raises(dedup.AlreadyHandled) as repeat:
        async with dedup.effect("m-2", RES) as effect:
            await submitted(["MEDIA-D"], description="又一次")
            effect.reply = "不应出现"
    assert repeat.value.reply == f"上报成功 {first.number}"
    assert await Case.all().count() == cases
    assert not await Case.filter(description="又一次").exists()
    assert not await Photo.filter(media_id="MEDIA-D").exists()
    assert await CaseEvent.all().count() == 2
    # The connection went back to the pool in a usable state: the next effect works.
    async with dedup.effect("m-3", RES) as effect:
        again = await submitted(["MEDIA-E"], description="第三次")
        effect.reply = "好"
    assert (await Case.get(id=again.id)).description == "第三次"


async def test_an_effect_that_raises_writes_nothing(db):
    await district()
    with pytest.raises(RuntimeError):
        async with dedup.effect("m-4", RES) as effect:
            await submitted(["MEDIA-F"])
            effect.reply = "好"
            raise RuntimeError("after the work, before the record")
    assert await Case.all().count() == 0
    assert await Photo.filter(media_id="MEDIA-F").count() == 0
    assert await OutboxMessage.all().count() == 0
    assert await ProcessedMessage.filter(dedup_key="m-4").count() == 0


async def test_work_sent_inside_the_effect_is_one_transaction_with_it(db):
    """A statement that is not held sends BEGIN first: if the record then fails, it is rolled
    back with everything else."""
    await district()
    async with dedup.effect("m-5", RES) as effect:
        effect.reply = "第一次"
    with count_statements() as record:
        with pytest.raises(dedup.AlreadyHandled):
            async with dedup.effect("m-5", RES) as effect:
                case = await plain_report()  # outside holding's reach: sent at once
                await OutboxMessage.filter(id=-1).update(last_error="x")  # a statement sent
                effect.reply = "第二次"
    assert not await Case.filter(id=case.id).exists()
    if db.name == "postgres":
        labels = [s.split()[0].upper().rstrip(";") for s in record.sql]
        assert labels.count("BEGIN") == 1 and labels.index("BEGIN") < labels.index("UPDATE")


async def test_a_savepoint_first_begins_the_transaction(db):
    """A block nested in an effect that has sent nothing yet: BEGIN, then its savepoint; its
    rollback undoes its own rows only, the effect's held rows are written."""
    async with dedup.effect("m-6", RES) as effect:
        with pytest.raises(RuntimeError):
            async with in_transaction() as inner:
                async with outbox.together(inner):
                    await outbox.enqueue("o-x", "里面", key="k:inner", using_db=inner)
                raise RuntimeError("to the savepoint")
        async with outbox.together(conn()):
            await outbox.enqueue("o-x", "外面", key="k:outer", using_db=conn())
        effect.reply = "好"
    assert not await OutboxMessage.filter(key="k:inner").exists()
    assert await OutboxMessage.filter(key="k:outer").exists()
    assert await ProcessedMessage.filter(dedup_key="m-6").exists()


async def test_a_known_media_id_stays_with_its_first_case(db):
    """Held, a photo's INSERT skips a MediaId recorded already (WeChat gives every message
    its own: only a replay could bring one back) and the case is written without it."""
    await district()
    async with dedup.effect("m-7", RES) as effect:
        first = await submitted(["MEDIA-SAME"])
        effect.reply = "好"
    async with dedup.effect("m-8", RES) as effect:
        second = await submitted(["MEDIA-SAME"], description="第二个")
        effect.reply = "好"
    [kept] = await Photo.filter(media_id="MEDIA-SAME")
    assert kept.owner_id == first.number
    assert (await Case.get(id=second.id)).description == "第二个"
    assert await Photo.filter(owner_kind="report", owner_id=second.number).count() == 0


async def test_take_ids_are_distinct_and_ascending(db):
    if db.name != "postgres":
        pytest.skip("take_ids: PostgreSQL sequences")
    firsts = await take_ids(conn(), [(Case, 1), (Photo, 3), (CaseEvent, 2)])
    seconds = await take_ids(conn(), [(Case, 1), (Photo, 0), (CaseEvent, 2)])
    assert [len(ids) for ids in firsts] == [1, 3, 2] and seconds[1] == []
    for before, after in zip(firsts, seconds, strict=True):
        assert before == sorted(set(before))
        assert not after or not before or min(after) > max(before)


async def test_the_last_statement_goes_once(db):
    if db.name != "postgres":
        pytest.skip("LazyTransaction: PostgreSQL")
    from tortoise.exceptions import TransactionManagementError

    from storage.asyncpg_pool import lazy_transaction
    async with lazy_transaction(conn()) as tx:
        assert isinstance(tx, LazyTransaction) and not tx.begun
        assert (await tx.alone("SELECT 1 AS one", []))[0]["one"] == 1
        with pytest.raises(TransactionManagementError):
            await tx.alone("SELECT 2", [])
        with pytest.raises(TransactionManagementError):
            await tx.execute_query_dict("SELECT 3", [])


async def test_a_statement_after_before_still_begins(db):
    """``before`` goes outside the transaction; the next statement sends BEGIN, and is
    rolled back with the transaction."""
    if db.name != "postgres":
        pytest.skip("LazyTransaction: PostgreSQL")
    from storage.asyncpg_pool import lazy_transaction
    with count_statements() as record:
        with pytest.raises(RuntimeError):
            async with lazy_transaction(conn()) as tx:
                await tx.before("SELECT 1 AS one", [])
                assert not tx.begun
                await outbox.enqueue("o-y", "回滚", key="k:before", using_db=tx)
                assert tx.begun
                raise RuntimeError("roll back")
    labels = [s.split()[0].upper().rstrip(";") for s in record.sql]
    assert labels[:3] == ["SELECT", "BEGIN", "INSERT"], labels
    assert not await OutboxMessage.filter(key="k:before").exists()
