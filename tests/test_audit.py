"""The audit log (handlers.audit): entries stamped with linli's clock, searched by actor, action,
target and local day, newest first and paged, and read only within the reader's communities."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from handlers import audit
from handlers.audit import ACTION_NAMES, AuditQuery, record, search
from storage import clock
from storage.core.models.console import AuditEntry

pytestmark = pytest.mark.usefixtures("db")

FANRONG, XINGFU = "C01", "C02"
ADMIN_A, ADMIN_B, STREET = "o-admin-a", "o-admin-b", "o-street"


async def _log() -> None:
    """Entries over three days (clock moved a day between): two communities, and entries of
    no community (sign-ins, exports)."""
    await record(ADMIN_A, "login", ip="10.0.0.1")
    await record(ADMIN_A, "view_private", target="A1001", community=FANRONG,
                 detail="phone")
    await record(ADMIN_B, "view_private", target="A1002", community=XINGFU)
    clock.advance(timedelta(days=1))
    await record(ADMIN_A, "supervise", target="A1001", community=FANRONG, detail="尽快处理")
    await record(STREET, "supervise", target="A1002", community=XINGFU)
    await record(ADMIN_B, "export_csv", detail="status=open")
    clock.advance(timedelta(days=1))
    await record(STREET, "remind", target="A1001", community=FANRONG)
    await record(STREET, "login")


async def test_record_stamps_the_clock_and_keeps_every_field():
    clock.advance(timedelta(days=3, hours=2))
    await record("o-x", "hide", target="A1005", community=FANRONG, detail="重复上报",
                 ip="192.0.2.7")
    entry = await AuditEntry.get()
    assert abs((entry.at - clock.now()).total_seconds()) < 2
    assert (entry.actor_openid, entry.action, entry.target, entry.community, entry.detail,
            entry.ip) == ("o-x", "hide", "A1005", FANRONG, "重复上报", "192.0.2.7")
    # Too long for a column: cut, never refused (the log must not make an action fail).
    await record("o-" + "y" * 100, "view_case", target="T" * 80, detail="d" * 5000,
                 ip="i" * 100)
    long = await AuditEntry.get(action="view_case")
    assert (len(long.actor_openid), len(long.target), len(long.ip)) == (64, 32, 64)
    assert len(long.detail) == audit.log.MAX_DETAIL
    assert long.community is None


async def test_search_everything_newest_first():
    await _log()
    rows, total = await search(AuditQuery(), None)
    assert total == 8
    assert [(r.actor_openid, r.action) for r in rows[:2]] == [(STREET, "login"),
                                                            (STREET, "remind")]
    assert [r.at for r in rows] == sorted((r.at for r in rows), reverse=True)


async def test_filters():
    await _log()

    async def found(**kw) -> list[tuple[str, str, str]]:
        rows, total = await search(AuditQuery(**kw), None)
        assert total == len(rows)
        return [(r.actor_openid, r.action, r.target) for r in rows]

    assert await found(actor=ADMIN_A) == [(ADMIN_A, "supervise", "A1001"),
                                          (ADMIN_A, "view_private", "A1001"),
                                          (ADMIN_A, "login", "")]
    assert await found(action="supervise") == [(STREET, "supervise", "A1002"),
                                               (ADMIN_A, "supervise", "A1001")]
    assert await found(target="a1001") == [(STREET, "remind", "A1001"),
                                           (ADMIN_A, "supervise", "A1001"),
                                           (ADMIN_A, "view_private", "A1001")]
    assert await found(actor=STREET, action="supervise", target="A1002") == [
        (STREET, "supervise", "A1002")]
    assert await found(action="hide") == []
    # Days are local (Asia/Shanghai) and both ends count.
    today = clock.local().date()
    assert len(await found(since=today)) == 2
    assert len(await found(until=today - timedelta(days=2))) == 3
    assert len(await found(since=today - timedelta(days=1), until=today - timedelta(days=1))
               ) == 3
    assert await found(since=today + timedelta(days=1)) == []


async def test_a_day_is_the_local_day():
    """An entry at 23:30 Shanghai (15:30 UTC) belongs to that Shanghai day, not the next."""
    await AuditEntry.create(at=datetime(2026, 3, 1, 15, 30, tzinfo=UTC), actor_openid="o-a",
                            action="login")
    # 00:30 on 2 March in Shanghai
    await AuditEntry.create(at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC), actor_openid="o-b",
                            action="login")
    rows, _ = await search(AuditQuery(since=date(2026, 3, 1), until=date(2026, 3, 1)), None)
    assert [r.actor_openid for r in rows] == ["o-a"]
    rows, _ = await search(AuditQuery(since=date(2026, 3, 2)), None)
    assert [r.actor_openid for r in rows] == ["o-b"]


async def test_paging():
    for i in range(7):
        await record("o-a", "view_case", target=f"A{2000 + i}", community=FANRONG)
        clock.advance(timedelta(seconds=1))
    first, total = await search(AuditQuery(per_page=3), None)
    second, _ = await search(AuditQuery(per_page=3, page=2), None)
    last, _ = await search(AuditQuery(per_page=3, page=3), None)
    beyond, again = await search(AuditQuery(per_page=3, page=4), None)
    assert total == again == 7
    assert [r.target for r in first + second + last] == [f"A{2000 + i}" for i in range(6, -1, -1)]
    assert beyond == []
    # Nonsense paging is made sensible, not an error.
    rows, _ = await search(AuditQuery(per_page=0, page=-3), None)
    assert len(rows) == 1
    rows, _ = await search(AuditQuery(per_page=10_000), None)
    assert len(rows) == 7


async def test_community_admins_read_their_communities_and_their_own_sign_ins():
    await _log()
    rows, total = await search(AuditQuery(), frozenset({FANRONG}), viewer=ADMIN_A)
    assert total == len(rows) == 4
    assert [(r.actor_openid, r.action, r.target) for r in rows] == [
        (STREET, "remind", "A1001"), (ADMIN_A, "supervise", "A1001"),
        (ADMIN_A, "view_private", "A1001"), (ADMIN_A, "login", "")]
    assert all(r.community == FANRONG or (r.community is None and r.actor_openid == ADMIN_A)
               for r in rows)
    assert not any(r.community == XINGFU for r in rows)
    # Another admin's sign-ins and exports (no community) are not theirs to read.
    assert not any(r.actor_openid in (ADMIN_B, STREET) and r.community is None for r in rows)
    # Without the reader, only the communities' entries.
    rows, total = await search(AuditQuery(), frozenset({FANRONG}))
    assert total == 3 and all(r.community == FANRONG for r in rows)
    # Filters apply inside the scope.
    rows, total = await search(AuditQuery(action="supervise"), frozenset({XINGFU}),
                               viewer=ADMIN_B)
    assert [(r.actor_openid, r.target) for r in rows] == [(STREET, "A1002")]
    # Several communities; none at all.
    _, total = await search(AuditQuery(), frozenset({FANRONG, XINGFU}))
    assert total == 5
    rows, total = await search(AuditQuery(), frozenset(), viewer=ADMIN_B)
    assert [(r.actor_openid, r.action) for r in rows] == [(ADMIN_B, "export_csv")]
    _, total = await search(AuditQuery(), frozenset())
    assert total == 0


def test_every_action_has_a_chinese_label():
    for action in ("view_private", "view_case", "supervise", "remind", "assign", "hide",
                   "reject", "review", "note", "intake", "export_csv", "login", "logout"):
        assert ACTION_NAMES[action].strip()
    assert ACTION_NAMES["view_private"] == "查看个人信息"
    assert audit.ACTION_NAMES is ACTION_NAMES
