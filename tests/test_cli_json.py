"""``--json`` on the commands that print data (parsed, UTF-8 as is), ``linli staff withdraw``
and ``linli sessions revoke``: in-process through ``bot.cli.main``, on both backends."""

from __future__ import annotations

import json
import os

import pytest
import redis.asyncio as aioredis

from bot.cli import main
from handlers.console_access import create_link
from handlers.geo.demo import DEMO_STREET
from storage import clock, console_sessions, sessions
from storage.core.models import Person, Role
from storage.core.models.console import AuditEntry, ConsoleLink
from storage.kv import KV
from tests.support.cli import in_db, use_backend


@pytest.fixture
def cli(backend, monkeypatch, redis_prefix):
    use_backend(monkeypatch, backend, redis_prefix)
    in_db(backend.database_url, empty=True)
    return backend


def _json(capsys, *argv: str, code: int = 0):
    assert main([*argv, "--json"]) == code
    captured = capsys.readouterr()
    assert "\\u" not in captured.out  # Chinese as is, not escaped
    return json.loads(captured.out)


def _people(url: str, *people: Person) -> None:
    async def work():
        for p in people:
            await p.save()

    in_db(url, work)


def test_points_and_rewards(cli, capsys):
    _people(cli.database_url, Person(openid="o-alice", name="李阿姨"))
    granted = _json(capsys, "points", "grant", "o-alice", "15", "--reason", "志愿服务")
    assert (granted["amount"], granted["replayed"], granted["openid"]) == (15, False, "o-alice")
    again = _json(capsys, "points", "grant", "o-alice", "15", "--reason", "志愿服务")
    assert again["replayed"] is True and again["transfer"] == granted["transfer"]
    balance = _json(capsys, "points", "balance", "o-alice")
    assert (balance["balance"], balance["reserved"], balance["available"]) == (15, 0, 15)
    [entry] = balance["entries"]
    assert (entry["amount"], entry["reason"], entry["key"]) == (15, "志愿服务", granted["key"])
    assert entry["at"].endswith("+08:00")

    added = _json(capsys, "rewards", "add", "--name", "环保袋", "--cost", "10", "--stock", "2")
    assert (added["name"], added["cost"], added["stock"], added["enabled"]) == (
        "环保袋", 10, 2, True)
    restocked = _json(capsys, "rewards", "restock", str(added["id"]), "3", "--reason", "到货")
    assert (restocked["added"], restocked["replayed"], restocked["reward"]["stock"]) == (
        3, False, 5)
    assert _json(capsys, "rewards", "disable", str(added["id"]))["enabled"] is False
    refused = main(["rewards", "restock", "99", "1", "--json"])
    assert refused == 1 and capsys.readouterr().out == ""


def test_grids_categories_bulletin(cli, capsys):
    imported = _json(capsys, "grids", "import", str(DEMO_STREET))
    assert imported["dry_run"] is False and imported["crs"] == "gcj02"
    assert imported["counts"]["grid"] == {"created": 8, "updated": 0, "unchanged": 0}
    assert imported["warnings"] == []
    assert main(["categories", "load"]) == 0
    capsys.readouterr()
    [first, *_] = _json(capsys, "categories", "suggest", "小区门口井盖没了很危险")
    assert first["code"] == "manhole_cover" and "井盖" in first["words"] and first["score"] > 0

    doc = _json(capsys, "bulletin", "--week", "2026-W47")
    assert doc["week"] == "2026-W47" and doc["queued"] is None
    assert doc["total"]["cases"] == 0 and doc["communities"] == [] and doc["grids"] == []
    assert (doc["since"], doc["until"]) == ("2026-11-16T00:00:00+08:00",
                                            "2026-11-23T00:00:00+08:00")
    assert main(["bulletin", "--week", "2026-W47"]) == 0
    assert capsys.readouterr().out == doc["text"] + "\n"


def test_staff_invite_list_and_withdraw(cli, capsys):
    invited = _json(capsys, "staff", "invite", "--role", "grid_worker", "--grid", "G01",
                    "--name", "王梦苏")
    assert len(invited["code"]) == 6 and invited["name"] == "王梦苏"
    _people(cli.database_url,
            Person(openid="o-grid", role=Role.GRID_WORKER, name="王梦苏", grid="G01"),
            Person(openid="o-resident", name="李阿姨"))
    tokens = _sign_in(cli, "o-grid")
    assert _json(capsys, "staff", "list") == [
        {"openid": "o-grid", "role": "grid_worker", "name": "王梦苏", "grid": "G01",
         "org": None}]

    done = _json(capsys, "staff", "withdraw", "o-grid")
    assert (done["withdrawn_role"], done["grid"], done["role"]) == (
        "grid_worker", "G01", "resident")
    assert _json(capsys, "staff", "list") == []
    person, entry, live = in_db(cli.database_url, lambda: _after(cli, tokens))
    assert (person.role, person.grid) == (Role.RESIDENT, None)
    assert (entry.actor_openid, entry.action, entry.target) == ("cli", "staff_withdraw",
                                                                "o-grid")
    assert "王梦苏 grid_worker grid=G01" in entry.detail
    if cli.redis_url is not None:  # a shared Redis: both sessions ended
        assert done["sessions_ended"] is True and live == (False, False)
    else:  # the in-process Redis of a running `linli serve` is out of reach: said so
        assert done["sessions_ended"] is False

    for who in ("o-resident", "o-grid", "nobody"):
        assert main(["staff", "withdraw", who]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: {who} is not a member of staff") and err.count("\n") == 1


def test_sessions_revoke(cli, capsys):
    _people(cli.database_url, Person(openid="o-admin", role=Role.ADMIN, name="张丽"))
    tokens = _sign_in(cli, "o-admin")
    in_db(cli.database_url, lambda: create_link("o-admin"))
    code = main(["sessions", "revoke", "o-admin", "--json"])
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["sign_in_links"] == 1
    link = in_db(cli.database_url, lambda: ConsoleLink.filter(openid="o-admin").first())
    assert link.expires_at <= clock.now() and link.used_at is None  # it signs in no more
    if cli.redis_url is None:
        assert code == 1 and doc["sessions_reached"] is False
        assert "in-process Redis of the running `linli serve`" in captured.err
        assert "no API or console session was revoked" in captured.err
    else:
        assert code == 0 and (doc["api"], doc["console"]) == (1, 1)
        live = in_db(cli.database_url, lambda: _after(cli, tokens))[2]
        assert live == (False, False)


def _kv(backend) -> KV | None:
    if backend.redis_url is None:
        return None
    return KV(aioredis.from_url(backend.redis_url), os.environ["LINLI_REDIS_PREFIX"])


def _sign_in(backend, openid: str) -> tuple[str, str] | None:
    """An API and a console session in the shared Redis (None: in-process Redis)."""
    async def work():
        kv = _kv(backend)
        if kv is None:
            return None
        try:
            return (await sessions.create(kv, openid, "sk"),
                    await console_sessions.create(kv, openid))
        finally:
            await kv.close()

    return in_db(backend.database_url, work)


async def _after(backend, tokens):
    person = await Person.get_or_none(openid="o-grid")
    entry = await AuditEntry.filter(action="staff_withdraw").first()
    kv = _kv(backend)
    if kv is None or tokens is None:
        return person, entry, None
    try:
        return person, entry, (await sessions.get(kv, tokens[0]) is not None,
                               await console_sessions.get(kv, tokens[1]) is not None)
    finally:
        await kv.close()
