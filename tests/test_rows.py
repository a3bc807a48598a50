"""storage.rows and storage.inserts.insert_many (issue 17): one statement each, the same text
for every value, and the values read and written as tortoise's own queries do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise import timezone
from tortoise.exceptions import IntegrityError, MultipleObjectsReturned

from storage.core.models import Person, ProcessedMessage, Role
from storage.inserts import insert_many
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
