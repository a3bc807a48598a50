"""``linli wishes``: the operator's list, approve, reject and bulletin counts (in-process,
``bot.cli.main``)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from storage import clock
from storage.core.models import OutboxMessage, Wish, WishStatus
from tests.support.cli import in_db, run_main, use_backend
from tests.support.wishes import staff, wish


@pytest.fixture
def cli(backend, monkeypatch):
    use_backend(monkeypatch, backend)
    in_db(backend.database_url, empty=True)
    return backend


async def _wishes():
    await staff()
    first = await wish(status=WishStatus.SUBMITTED, grid=None)
    second = await wish(status=WishStatus.SUBMITTED, title="上门理发")
    await wish(status=WishStatus.OPEN, title="陪老人聊天")
    return first, second


def test_list_approve_reject(cli):
    url = cli.database_url
    first, second = in_db(url, _wishes)

    listed = run_main("wishes", "list", "--status", "submitted", "--json")
    assert listed.code == 0, listed.err
    rows = json.loads(listed.out)
    assert [r["number"] for r in rows] == [first.number, second.number]
    assert "13912345678" not in listed.out and "2单元501" not in listed.out  # never in lists

    ok = run_main("wishes", "approve", first.number.lower(), "--grid", "g01")
    assert ok.code == 0 and f"{first.number} is now open" in ok.out, ok.err
    w = in_db(url, lambda: Wish.get(id=first.id))
    assert (w.status, w.grid) == (WishStatus.OPEN, "G01")
    # the poster heard
    assert in_db(url, lambda: OutboxMessage.filter(openid="o-grid").count()) == 1

    no = run_main("wishes", "reject", second.number, "--reason", "请补充地址")
    assert no.code == 0, no.err
    w = in_db(url, lambda: Wish.get(id=second.id))
    assert (w.status, w.reject_reason) == (WishStatus.REJECTED, "请补充地址")

    again = run_main("wishes", "approve", second.number)
    assert again.code == 1 and "wrong_state" in again.err
    unknown = run_main("wishes", "approve", "W99999")
    assert unknown.code == 1 and "unknown_wish" in unknown.err
    bad = run_main("wishes", "approve", "abc")
    assert bad.code == 2 and "expected e.g. W12" in bad.err
    plain = run_main("wishes", "list")
    assert plain.code == 0 and "陪老人聊天" in plain.out and "上门理发" in plain.out


async def _fulfilled():
    for title, community, volunteer in (("a", "繁荣社区", "o-v1"), ("b", "繁荣社区", "o-v1"),
                                        ("c", "和平社区", "o-v2")):
        w = await wish(status=WishStatus.CLOSED, title=title, community=community)
        await Wish.filter(id=w.id).update(claimant_openid=volunteer, confirmed_at=clock.now())
    old = await wish(status=WishStatus.CLOSED, title="old")
    await Wish.filter(id=old.id).update(claimant_openid="o-v2",
                                        confirmed_at=clock.now() - timedelta(days=30))


def test_stats_counts_fulfilled_wishes(cli):
    in_db(cli.database_url, _fulfilled)
    result = run_main("wishes", "stats", "--days", "7")
    assert result.code == 0, result.err
    counts = json.loads(result.out)
    assert counts["total"] == 3
    assert [(r["openid"], r["fulfilled"]) for r in counts["by_volunteer"]] == [("o-v1", 2),
                                                                              ("o-v2", 1)]
    assert counts["by_community"] == [{"community": "繁荣社区", "fulfilled": 2},
                                      {"community": "和平社区", "fulfilled": 1}]
