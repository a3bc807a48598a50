"""``linli open311 keys add|list|revoke`` (in-process, ``bot.cli.main``), and a key with a
Chinese name (12345热线) used by its client through the Open311 API."""

from __future__ import annotations

import hashlib
import json

import pytest

from bot.cli import main
from handlers.open311.keys import create_key
from storage.core.models import Open311Key
from storage.reports.models import Case
from tests.support.cli import in_db, use_backend
from tests.support.open311 import form, open311_bot, post, xml_of


@pytest.fixture
def cli(backend, monkeypatch):
    use_backend(monkeypatch, backend)
    in_db(backend.database_url, empty=True)
    return backend


def _key(url: str, name: str) -> Open311Key:
    return in_db(url, lambda: Open311Key.get(name=name))


def test_add_list_revoke(cli, capsys):
    assert main(["open311", "keys", "add", "city-app"]) == 0
    added = capsys.readouterr()
    raw = added.out.strip()
    assert len(raw) >= 40 and "\n" not in raw and "shown only now" in added.err
    key = _key(cli.database_url, "city-app")
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert main(["open311", "keys", "add", "city-app"]) == 2
    assert "exists" in capsys.readouterr().err
    for bad in ("城市 app", "_x", "a" * 41, "热线!"):
        assert main(["open311", "keys", "add", bad]) == 2
        assert "name must be 1-40 letters" in capsys.readouterr().err
    in_db(cli.database_url, lambda: create_key("other"))

    assert main(["open311", "keys", "revoke", "city-app"]) == 0
    assert "city-app revoked" in capsys.readouterr().out
    assert _key(cli.database_url, "city-app").revoked_at is not None
    assert main(["open311", "keys", "revoke", str(key.id)]) == 0
    assert "already" in capsys.readouterr().out
    assert main(["open311", "keys", "revoke", "nobody"]) == 1
    assert "no key" in capsys.readouterr().err

    assert main(["open311", "keys", "list", "--json"]) == 0
    listed = capsys.readouterr().out
    rows = json.loads(listed)
    assert [(r["name"], r["last_used"], r["revoked"] is None) for r in rows] == [
        ("city-app", None, False), ("other", None, True)]
    assert rows[0]["created"].endswith("+08:00")
    assert main(["open311", "keys", "list"]) == 0
    plain = capsys.readouterr().out
    lines = plain.splitlines()
    assert "city-app" in lines[0] and "revoked" in lines[0]
    assert "other" in lines[1] and "active" in lines[1]
    assert raw not in listed + plain and key.key_hash not in listed + plain


def test_a_chinese_name(cli, capsys):
    assert main(["open311", "keys", "add", "12345热线", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["name"] == "12345热线" and len(doc["key"]) >= 40
    key = _key(cli.database_url, "12345热线")
    assert key.key_hash == hashlib.sha256(doc["key"].encode()).hexdigest()
    assert main(["open311", "keys", "list", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"name": "12345热线"' in out  # UTF-8 as is
    assert main(["open311", "keys", "revoke", "12345热线"]) == 0
    assert capsys.readouterr().out == "12345热线 revoked\n"


@pytest.fixture
async def obot(make_bot, tmp_path):
    return await open311_bot(make_bot, tmp_path)


async def test_a_chinese_named_client_posts_a_request(obot):
    _, raw = await create_key("12345热线")
    resp = await post(obot, form(raw))
    assert resp.status == 200, await resp.text()
    number = xml_of(await resp.text()).findtext("request/service_request_id")
    case = await Case.get(number=number)
    assert case.reporter_openid == "open311:12345热线"
    assert (await Open311Key.get(name="12345热线")).last_used_at is not None
