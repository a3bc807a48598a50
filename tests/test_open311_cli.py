"""``linli open311 keys add|list|revoke``, run as the operator runs it."""

from __future__ import annotations

import hashlib
import json

import pytest

from handlers.open311.keys import create_key
from storage.core.models import Open311Key
from tests.support.cli import run_cli

# The CLI runs in processes of its own, on the real time of day.
pytestmark = pytest.mark.real_clock


async def test_add_list_revoke(db):
    env = {"LINLI_DATABASE_URL": db.database_url}
    added = await run_cli("open311", "keys", "add", "city-app", env=env)
    assert added.code == 0, added.err
    raw = added.out.strip()
    assert len(raw) >= 40 and "\n" not in raw and "shown only now" in added.err
    key = await Open311Key.get(name="city-app")
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    again = await run_cli("open311", "keys", "add", "city-app", env=env)
    assert again.code == 2 and "exists" in again.err
    bad = await run_cli("open311", "keys", "add", "城市 app", env=env)
    assert bad.code == 2 and "name" in bad.err
    await create_key("other")

    revoked = await run_cli("open311", "keys", "revoke", "city-app", env=env)
    assert revoked.code == 0 and "city-app revoked" in revoked.out, revoked.err
    assert (await Open311Key.get(name="city-app")).revoked_at is not None
    twice = await run_cli("open311", "keys", "revoke", str(key.id), env=env)
    assert twice.code == 0 and "already" in twice.out
    unknown = await run_cli("open311", "keys", "revoke", "nobody", env=env)
    assert unknown.code == 1 and "no key" in unknown.err

    listed = await run_cli("open311", "keys", "list", "--json", env=env)
    assert listed.code == 0, listed.err
    rows = json.loads(listed.out)
    assert [(r["name"], r["last_used"], r["revoked"] is None) for r in rows] == [
        ("city-app", None, False), ("other", None, True)]
    assert rows[0]["created"].endswith("+08:00")
    plain = await run_cli("open311", "keys", "list", env=env)
    lines = plain.out.splitlines()
    assert "city-app" in lines[0] and "revoked" in lines[0]
    assert "other" in lines[1] and "active" in lines[1]
    assert raw not in listed.out + plain.out and key.key_hash not in listed.out + plain.out
