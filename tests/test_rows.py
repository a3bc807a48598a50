"""storage.rows and storage.inserts.insert_many and insert_numbered (issue 17): one statement each, the same text
for every value, and the values read and written as tortoise's own queries do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise import timezone
from tortoise.exceptions import IntegrityError, MultipleObjectsReturned
from tortoise.transactions import in_transaction

from storage.core.models import Person, ProcessedMessage, Role
from storage.inserts import insert_many, insert_numbered, insert_or_get
from storage.reports.models import Case, CaseStatus
from storage.rows import get_where, update_where
from tests.support.sqlcount import count_statements

pytestmark = pytest.mark.usefixtures("db")

FIELDS = list(Case._meta.fields_db_projection)


def values(row) -> dict:
    return {name: getattr(row, name) for name in FIELDS}


async def test_get_where_reads_the_row_as_tortoise_does():
    await Person.create(openid="o-a", role=Role.GRID_WORKER, name="王", grid="G01")
    with count_statements() as record:
        found = await get_where(Person, openid="o-a")
        assert await get_where(Person, openid="o-none") is None
    assert len(record) == 2 and record.sql[0] == record.sql[1]  # one text for every value
    read = await Person.get(openid="o-a")
    names = list(Person._meta.fields_db_projection)
    assert {n: getattr(found, n) for n in names} == {n: getattr(read, n) for n in names}
    assert found.role is Role.GRID_WORKER and found._saved_in_db
    found.name = "王梦苏"
    await found.save(update_fields=["name"])  # a model like any other
    assert (await Person.get(openid="o-a")).name == "王梦苏"
    for openid in ("o-b", "o-c"):
        await Person.create(openid=openid, role=Role.RESIDENT, name="李")
    with pytest.raises(MultipleObjectsReturned):
        await get_where(Person, name="李")


async def test_update_where_sets_only_the_rows_its_condition_holds_for():
    case = await Case.create(number="A1", reporter_openid="o-r", category_code="road",
                             description="坑", lat=43.88, lng=125.31, address="路口")
    later = timezone.now() + timedelta(hours=1)
    changes = {"status": CaseStatus.DISPATCHED, "assignee_openid": "o-g", "property_org": None,
               "dispatched_at": later, "updated_at": later}
    with count_statements() as record:
        assert await update_where(Case, changes, {"id": case.id,
                                                  "status": CaseStatus.SUBMITTED}) == 1
        # The guard no longer holds: nothing changes.
        assert await update_where(Case, {**changes, "assignee_openid": "o-x"},
                                  {"id": case.id, "status": CaseStatus.SUBMITTED}) == 0
    assert len(record) == 2 and record.sql[0] == record.sql[1]
    read = await Case.get(id=case.id)
    assert read.status is CaseStatus.DISPATCHED and read.assignee_openid == "o-g"
    assert read.dispatched_at == later and read.property_org is None
    # What tortoise's own update would have written.
    other = await Case.create(number="A2", reporter_openid="o-r", category_code="road",
                              description="坑", lat=43.88, lng=125.31, address="路口")
    await Case.filter(id=other.id, status=CaseStatus.SUBMITTED).update(**changes)
    theirs = values(await Case.get(id=other.id))
    ours = values(read)
    for name in ("id", "number", "created_at"):
        theirs.pop(name), ours.pop(name)
    assert ours == theirs


async def test_insert_many_writes_in_order_and_a_taken_key_fails_the_statement():
    rows = [ProcessedMessage(dedup_key=f"k{i}", openid="o", reply=f"r{i}") for i in range(3)]
    with count_statements() as record:
        await insert_many(rows, fields=("dedup_key", "openid", "reply", "created_at"))
    assert len(record) == 1
    assert [r.id for r in rows] == sorted(r.id for r in rows) and all(r._saved_in_db
                                                                      for r in rows)
    stored = {r.dedup_key: r for r in await ProcessedMessage.all()}
    assert [stored[f"k{i}"].id for i in range(3)] == [r.id for r in rows]
    assert all(stored[f"k{i}"].created_at is not None for i in range(3))
    with pytest.raises(IntegrityError):  # without ``unique``: a conflict is an error
        await insert_many([ProcessedMessage(dedup_key="k9", openid="o"),
                           ProcessedMessage(dedup_key="k1", openid="o")],
                          fields=("dedup_key", "openid", "reply", "created_at"))
    assert await ProcessedMessage.filter(dedup_key="k9").count() == 0


async def test_insert_numbered_writes_the_number_from_the_id(db):
    """A case's number follows from its id: one statement on PostgreSQL (the id taken from the
    sequence inside it), an INSERT and an UPDATE on SQLite; read back as tortoise reads it."""
    made = []
    with count_statements() as record:
        for k in range(3):
            case = Case(reporter_openid="o-r", category_code="road", description=f"坑{k}",
                        lat=43.88, lng=125.31, address="路口", status=CaseStatus.DISPATCHED,
                        assignee_openid="o-g")
            await insert_numbered(case, field="number", prefix="A", base=1000)
            made.append(case)
    assert len(record) == (3 if db.name == "postgres" else 6)
    if db.name == "postgres":
        assert len(set(record.sql)) == 1  # one text: prepared once
    assert [c.id for c in made] == sorted(c.id for c in made) and len({c.id for c in made}) == 3
    for case in made:
        assert case.number == f"A{1000 + case.id}" and case._saved_in_db
        read = await Case.get(id=case.id)
        assert read.number == case.number and read.status is CaseStatus.DISPATCHED
        assert read.description == case.description and read.created_at is not None
        assert read.assignee_openid == "o-g" and read.updated_at is not None
    # A case made by tortoise afterwards takes the next id: the sequence moved with ours.
    later = await Case.create(number="X1", reporter_openid="o-r", category_code="road")
    assert later.id > made[-1].id


async def test_insert_numbered_rolls_back_with_its_transaction(db):
    with pytest.raises(RuntimeError):
        async with in_transaction() as conn:
            case = Case(reporter_openid="o-r", category_code="road")
            await insert_numbered(case, conn, field="number", prefix="A", base=1000)
            assert await Case.filter(number=case.number).using_db(conn).count() == 1
            raise RuntimeError("the effect failed")
    assert await Case.all().count() == 0


async def test_insert_or_get_makes_the_row_once_and_reads_it_after(db):
    """A person's row on their first message: made once, read as tortoise reads it after;
    one statement on PostgreSQL either way."""
    with count_statements() as record:
        made, created = await insert_or_get(Person(openid="o-new", name="新"), "openid")
    assert created and made.id is not None and made._saved_in_db
    assert len(record) == (1 if db.name == "postgres" else 2)
    with count_statements() as record:
        again, created = await insert_or_get(Person(openid="o-new", name="另一个"), "openid")
    assert not created and again.id == made.id and again.name == "新"
    assert len(record) == 1
    read = await Person.get(openid="o-new")
    names = list(Person._meta.fields_db_projection)
    assert {n: getattr(made, n) for n in names} == {n: getattr(read, n) for n in names}
    assert {n: getattr(again, n) for n in names} == {n: getattr(read, n) for n in names}
    assert await Person.filter(openid="o-new").count() == 1
    for _ in range(3):  # a row found takes no value from the id's sequence
        await insert_or_get(Person(openid="o-new"), "openid")
    following, created = await insert_or_get(Person(openid="o-next"), "openid")
    assert created and following.id == made.id + 1
    made.name = "新名"
    await made.save(update_fields=["name"])  # a model like any other
    assert (await Person.get(openid="o-new")).name == "新名"


async def test_insert_or_get_in_a_race_gives_one_row(db):
    """Ten first messages of one person at once (another process's event among them): one row,
    one of them told it is new."""
    import asyncio

    results = await asyncio.gather(*(insert_or_get(Person(openid="o-race"), "openid")
                                     for _ in range(10)))
    assert sum(created for _, created in results) == 1
    assert len({person.id for person, _ in results}) == 1
    assert await Person.filter(openid="o-race").count() == 1


async def test_update_ids_sets_adds_and_guards(db):
    """``update_ids``: the rows of a list of ids that match ``where``; numbers added to a
    field; on PostgreSQL one text for any number of ids (one array parameter)."""
    from handlers import outbox
    from storage.core.models import OutboxMessage, OutboxStatus
    from storage.rows import update_ids

    rows = [await outbox.enqueue(f"o-{i}", f"消息{i}", key=f"k{i}") for i in range(4)]
    ids = [r.id for r in rows]
    await update_where(OutboxMessage, {"claim": "t1"}, {"id": ids[0]})
    await update_where(OutboxMessage, {"claim": "t1"}, {"id": ids[1]})
    await update_where(OutboxMessage, {"claim": "t2"}, {"id": ids[2]})
    await update_where(OutboxMessage, {"attempts": 3}, {"id": ids[1]})
    with count_statements() as record:
        changed = await update_ids(OutboxMessage, ids[:3], {"status": OutboxStatus.SENT,
                                                            "claim": None}, {"claim": "t1"},
                                   add={"attempts": 1})
        none = await update_ids(OutboxMessage, ids[3:], {"last_error": "x"}, {"claim": "t1"})
    assert (changed, none) == (2, 0)
    after = {r.id: r for r in await OutboxMessage.filter(id__in=ids)}
    assert [after[i].status for i in ids] == [OutboxStatus.SENT, OutboxStatus.SENT,
                                              OutboxStatus.PENDING, OutboxStatus.PENDING]
    assert [after[i].attempts for i in ids] == [1, 4, 0, 0]
    assert [after[i].claim for i in ids] == [None, None, "t2", None]
    if db.name == "postgres":
        assert "ANY" in record.sql[0] and len(record) == 2
    assert await update_ids(OutboxMessage, [], {"last_error": "x"}) == 0
