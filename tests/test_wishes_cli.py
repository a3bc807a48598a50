"""``linli wishes``: the operator's list, approve, reject and bulletin counts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from storage import clock
from storage.core.models import OutboxMessage, Wish, WishStatus
from tests.support.cli import run_cli
from tests.support.wishes import staff, wish

# The CLI runs in processes of its own, on the real time of day.
pytestmark = pytest.mark.real_clock


async def test_list_approve_reject(db):
    env = {"LINLI_DATABASE_URL": db.database_url}
    await staff()
    first = await wish(status=WishStatus.SUBMITTED, grid=None)
    second = await wish(status=WishStatus.SUBMITTED, title="上门理发")
    await wish(status=WishStatus.OPEN, title="陪老人聊天")

    listed = await run_cli("wishes", "list", "--status", "submitted", "--json", env=env)
    assert listed.code == 0, listed.err
    rows = json.loads(listed.out)
    assert [r["number"] for r in rows] == [first.number, second.number]
    assert "13912345678" not in listed.out and "2单元501" not in listed.out  # never in lists

    ok = await run_cli("wishes", "approve", first.number.lower(), "--grid", "g01", env=env)
    assert ok.code == 0 and f"{first.number} is now open" in ok.out, ok.err
    w = await Wish.get(id=first.id)
    assert (w.status, w.grid) == (WishStatus.OPEN, "G01")
    assert await OutboxMessage.filter(openid="o-grid").count() == 1  # the poster heard

    no = await run_cli("wishes", "reject", second.number, "--reason", "请补充地址", env=env)
    assert no.code == 0, no.err
    w = await Wish.get(id=second.id)
    assert (w.status, w.reject_reason) == (WishStatus.REJECTED, "请补充地址")

    again = await run_cli("wishes", "approve", second.number, env=env)
    assert again.code == 1 and "wrong_state" in again.err
    unknown = await run_cli("wishes", "approve", "W99999", env=env)
    assert unknown.code == 1 and "unknown_wish" in unknown.err
    bad = await run_cli("wishes", "approve", "abc", env=env)
    assert bad.code == 2 and "expected e.g. W12" in bad.err
    plain = await run_cli("wishes", "list", env=env)
    assert plain.code == 0 and "陪老人聊天" in plain.out and "上门理发" in plain.out


async def test_stats_counts_fulfilled_wishes(db):
    env = {"LINLI_DATABASE_URL": db.database_url}
    for title, community, volunteer in (("a", "繁荣社区", "o-v1"), ("b", "繁荣社区", "o-v1"),
                                        ("c", "和平社区", "o-v2")):
        w = await wish(status=WishStatus.CLOSED, title=title, community=community)
        await Wish.filter(id=w.id).update(claimant_openid=volunteer, confirmed_at=clock.now())
    old = await wish(status=WishStatus.CLOSED, title="old")
    await Wish.filter(id=old.id).update(claimant_openid="o-v2",
                                        confirmed_at=clock.now() - timedelta(days=30))
    result = await run_cli("wishes", "stats", "--days", "7", env=env)
    assert result.code == 0, result.err
    counts = json.loads(result.out)
    assert counts["total"] == 3
    assert [(r["openid"], r["fulfilled"]) for r in counts["by_volunteer"]] == [("o-v1", 2),
                                                                              ("o-v2", 1)]
    assert counts["by_community"] == [{"community": "繁荣社区", "fulfilled": 2},
                                      {"community": "和平社区", "fulfilled": 1}]
