"""``linli points|rewards|ledger`` driven through ``bot.cli.main`` against both databases."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from bot.cli import main
from storage.core.models import Person
from storage.db import close_db, init_db
from tests.support.ledger import execute, truncate_ledger


def _run_db(url: str, *statements: str) -> None:
    async def go() -> None:
        await init_db(url)
        try:
            await truncate_ledger() if not statements else None
            for sql in statements:
                await execute(sql)
        finally:
            await close_db()

    asyncio.run(go())


@pytest.fixture
def cli(backend, monkeypatch):
    for name in list(os.environ):
        if name.startswith("LINLI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LINLI_DATABASE_URL", backend.database_url)
    _run_db(backend.database_url)  # empty ledger
    _people(backend.database_url, "oAlice", "oBob")  # points go to people who exist
    return backend.database_url


def _people(url: str, *openids: str) -> None:
    async def go() -> None:
        await init_db(url)
        try:
            for openid in openids:
                await Person.get_or_create(openid=openid)
        finally:
            await close_db()

    asyncio.run(go())


def test_grant_balance_and_replay(cli, capsys):
    assert main(["points", "grant", "oAlice", "15", "--reason", "志愿服务"]) == 0
    assert "granted 15 points to oAlice" in capsys.readouterr().out
    assert main(["points", "grant", "oAlice", "15", "--reason", "志愿服务"]) == 0
    assert "already granted" in capsys.readouterr().out
    assert main(["points", "grant", "oAlice", "15", "--reason", "志愿服务", "--key", "k2"]) == 0
    assert main(["points", "balance", "oAlice"]) == 0
    out = capsys.readouterr().out
    assert "balance 30, reserved 0, available 30" in out
    assert out.count("+15 grant") == 2


def test_grant_refuses_a_person_who_does_not_exist(cli, capsys):
    assert main(["points", "grant", "nobody-xyz", "5", "--reason", "x"]) == 1
    err = capsys.readouterr().err
    assert "unknown_person" in err and "nobody-xyz" in err
    assert main(["points", "balance", "nobody-xyz"]) == 0
    assert "balance 0" in capsys.readouterr().out


def test_grant_rejects_bad_amounts(cli, capsys):
    assert main(["points", "grant", "oAlice", "0", "--reason", "x"]) == 1
    assert "invalid_amount" in capsys.readouterr().err


def test_rewards_commands(cli, capsys):
    assert (
        main(
            [
                "rewards",
                "add",
                "--name",
                "环保袋",
                "--cost",
                "30",
                "--stock",
                "5",
                "--limit",
                "1",
                "--until",
                "2099-12-31",
            ]
        )
        == 0
    )
    assert "added reward 1: 环保袋" in capsys.readouterr().out
    assert main(["rewards", "restock", "1", "10", "--reason", "新到货"]) == 0
    assert "stock now 15" in capsys.readouterr().out
    assert main(["rewards", "restock", "1", "10", "--reason", "新到货"]) == 0
    assert "already restocked" in capsys.readouterr().out
    assert main(["rewards", "list", "--json"]) == 0
    [item] = json.loads(capsys.readouterr().out)
    assert (item["id"], item["name"], item["stock"], item["per_person_limit"]) == (
        1,
        "环保袋",
        15,
        1,
    )
    # Through the end of 31 December in Shanghai, i.e. 1 January 00:00 +08:00, in UTC.
    assert item["available_until"].startswith("2099-12-31T16:00:00")
    assert main(["rewards", "disable", "1"]) == 0
    assert capsys.readouterr().out == "reward 1 disabled\n"
    assert main(["rewards", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["rewards", "list", "--all"]) == 0
    assert "[not available]" in capsys.readouterr().out
    assert main(["rewards", "restock", "7", "1"]) == 1
    assert "unknown_reward" in capsys.readouterr().err


def test_verify_passes_then_detects_a_tampered_entry(cli, capsys):
    assert main(["points", "grant", "oBob", "10", "--reason", "x"]) == 0
    assert main(["rewards", "add", "--name", "肥皂", "--cost", "5", "--stock", "3"]) == 0
    capsys.readouterr()
    assert main(["ledger", "verify"]) == 0
    assert "ledger verify: ok" in capsys.readouterr().out

    _run_db(cli, "UPDATE ledger_entry SET amount = 1000 WHERE seq = 2")
    assert main(["ledger", "verify"]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH chain entry 2: hash does not match its fields" in out
    assert "MISMATCH balance points:wallet:oBob" in out
    assert main(["ledger", "verify", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["entries"] == 4
