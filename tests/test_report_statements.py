"""The SQL statements of the write paths, pinned (issue 17): a 随手拍 submitted in chat, a
report posted through the API with a photo, and a plain 帮助 through the webhook.

Counted at the drivers (``tests/support/sqlcount.py``): every round trip, BEGIN and COMMIT
included. Each operation runs once to warm the process's caches (as any server does after its
first request), then is counted on the next one. ``LINLI_STATEMENTS_SHOW=1`` prints the
profile (``python -m benchmarks.statements``).
"""

from __future__ import annotations

import os

import pytest

from storage.core.models import Person, Role
from storage.geo.models import Category
from storage.reports.models import Case
from tests.support.api import form, jpeg
from tests.support.reports import photo, place, report_bot
from tests.support.sqlcount import Statements, count_statements

# Upper bounds per backend (PostgreSQL, SQLite): a change that adds statements fails here.
# Before issue 17 (same counting): chat 46 / 39, API 50 / 49, 帮助 0 / 0; then 25 / 26 and
# 27 / 28 before the reference facts were kept in process (storage.facts), the effect's one
# record (storage.dedup), the privacy notice's one check and the case's two history rows in
# one INSERT; the API's view of a new case shows the history it wrote instead of reading it
# back (13 / 14 and 12 / 13 before); a new case's notices and photos to staff in one INSERT
# (outbox.together: one statement less per case, more with more photos or staff); the
# privacy notice of a first report decided by one statement inside the effect (3 after it);
# the facts' version read with the step's check (one statement for both); a new case routed
# before it is written and its number written by its INSERT (no UPDATE on PostgreSQL); its
# notices to staff and the privacy notice's check sent with the effect's record (storage.held);
# on PostgreSQL the case's ids taken first, the case, its photos and history held for the
# record too, and the effect's BEGIN deferred to its first statement: a chat submission is
# one statement with no BEGIN or COMMIT (8 / 9 / 8 before).
LIMITS = {
    "chat_submit": {"postgres": 4, "sqlite": 12},
    "api_report": {"postgres": 8, "sqlite": 12},
    "help": {"postgres": 0, "sqlite": 0},
    # JSON with uploaded photo ids and an Idempotency-Key (the mini-program's usual create):
    # 27 / 28 before issue 17's API changes.
    "api_report_json": {"postgres": 7, "sqlite": 11},
}


def check(name: str, backend, record: Statements) -> None:
    if os.environ.get("LINLI_STATEMENTS_SHOW"):
        print(f"\n== {name} ({backend.name}): {len(record)} statements\n{record.show()}")
        if os.environ.get("LINLI_STATEMENTS_SHOW") == "sql":
            print("\n".join(s[:200] for s in record.sql))
    limit = LIMITS[name][backend.name]
    assert len(record) <= limit, f"{name}: {len(record)} > {limit}\n{record.show()}"


async def chat_ready(bot, openid: str) -> None:
    """A draft with everything but the 确认: photo, place, description, category."""
    await photo(bot, openid)
    await place(bot, openid)
    await bot.say(openid, "路灯不亮了晚上很黑")
    await bot.say(openid, "1")


@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


async def test_chat_submission(rbot, backend):
    await chat_ready(rbot, "o-warm")
    assert "编号" in (await rbot.say("o-warm", "确认") or "")
    # Far from the first case: no "是不是这个？" - the submission itself is counted.
    await photo(rbot, "o-res")
    await place(rbot, "o-res", lat=43.8838, lng=125.3175)
    await rbot.say("o-res", "路面有个大坑")
    await rbot.say("o-res", "1")
    with count_statements() as record:
        reply = await rbot.say("o-res", "确认")
    assert "编号" in (reply or ""), reply
    check("chat_submit", backend, record)


async def test_api_report_with_photo(rbot, api_for, backend):
    caller = await api_for(rbot).login("o-res", Role.RESIDENT)
    data = {"category": "garbage", "description": "楼下垃圾堆了三天", "lat": 43.8860,
            "lng": 125.3180}
    status, body = await caller.post("/reports", data=form(data, [jpeg(color=(1, 2, 3))]))
    assert status == 201, body
    data = {**data, "lat": 43.8838, "lng": 125.3175}
    with count_statements() as record:
        status, body = await caller.post("/reports", data=form(data, [jpeg(color=(9, 8, 7))]))
    assert status == 201, body
    check("api_report", backend, record)


async def test_api_report_json_with_a_key(rbot, api_for, backend):
    """The mini-program's usual create: photos uploaded first (POST /photos), then JSON with
    their ids and an Idempotency-Key (the key's record is read with the person)."""
    caller = await api_for(rbot).login("o-res", Role.RESIDENT)
    ids = []
    for color in ((1, 2, 3), (9, 8, 7)):
        status, body = await caller.post("/photos", data=form({}, [jpeg(color=color)],
                                                              field="file"))
        assert status == 201, body
        ids.append(body["id"])
    data = {"category": "garbage", "description": "楼下垃圾堆了三天", "lat": 43.8860,
            "lng": 125.3180, "photo_ids": ids[:1]}
    status, body = await caller.post("/reports", json=data, headers={"Idempotency-Key": "k1"})
    assert status == 201, body
    data = {**data, "lat": 43.8838, "lng": 125.3175, "photo_ids": ids[1:]}
    with count_statements() as record:
        status, body = await caller.post("/reports", json=data,
                                         headers={"Idempotency-Key": "k2"})
    assert status == 201, body
    check("api_report_json", backend, record)


async def test_help_message(rbot, backend):
    await Person.create(openid="o-help", role=Role.RESIDENT)
    await rbot.say("o-help", "帮助")
    with count_statements() as record:
        reply = await rbot.say("o-help", "帮助")
    assert reply
    check("help", backend, record)


async def test_reads_are_not_kept_past_the_message(rbot, api_for, backend):
    """The category and the grids are kept in process only while the facts' version stands
    (bumped by triggers, whoever writes): a category switched off between two reports refuses
    the second at once (any process)."""
    caller = await api_for(rbot).login("o-res", Role.RESIDENT)
    data = {"category": "garbage", "description": "楼下垃圾堆了三天", "lat": 43.8860,
            "lng": 125.3180}
    status, body = await caller.post("/reports", data=form(data, [jpeg(color=(1, 2, 3))]))
    assert status == 201, body
    await Category.filter(code="garbage").update(active=False)
    status, body = await caller.post("/reports", data=form(data, [jpeg(color=(4, 5, 6))]))
    assert status == 422 and body["error"]["code"] == "unknown_category", body
    await chat_ready(rbot, "o-chat")
    await Category.filter(active=True).update(active=False)
    assert "编号" not in (await rbot.say("o-chat", "确认") or "")
    assert not await Case.filter(reporter_openid="o-chat").exists()
