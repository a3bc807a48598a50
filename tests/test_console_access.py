"""Getting into the web console: one-time sign-in links (handlers.console_access), from chat
(后台) and from the CLI (linli console link): single use, 5 minutes, staff only."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import timedelta

import pytest

from handlers import console_access, texts
from handlers.console_access import LINK_TTL, NotStaff, create_link, link_url, redeem
from storage import clock
from storage.core.models import Person, Role
from storage.core.models.console import ConsoleLink
from tests.support.cli import run_cli

ADMIN, GRID, RES = "o-console-admin", "o-console-grid", "o-console-res"
LINK = re.compile(r"(https?://\S+/console/login\?t=([A-Za-z0-9_-]+))")


async def _people() -> None:
    await Person.create(openid=ADMIN, role=Role.ADMIN, name="张丽")
    await Person.create(openid=GRID, role=Role.GRID_WORKER, name="王梦苏", grid="G01")
    await Person.create(openid=RES, role=Role.RESIDENT, name="周大妈")


@pytest.fixture
async def people(db):
    await _people()


async def test_a_link_works_once_and_only_its_hash_is_stored(people):
    token = await create_link(ADMIN)
    assert len(token) >= 32
    row = await ConsoleLink.get(openid=ADMIN)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.token_hash, str(row.id)}
    assert row.expires_at - clock.now() <= LINK_TTL
    person = await redeem(token)
    assert person is not None and (person.openid, person.role) == (ADMIN, Role.ADMIN)
    assert (await ConsoleLink.get(id=row.id)).used_at is not None
    assert await redeem(token) is None  # used
    # Two links of one person are independent; a wrong or absurd token is nothing.
    second = await create_link(ADMIN)
    assert await redeem(second + "x") is None
    assert await redeem("") is None
    assert await redeem("a" * 500) is None
    assert (await redeem(second)).openid == ADMIN


async def test_a_link_expires_after_five_minutes(people):
    token = await create_link(GRID)
    late = await create_link(GRID)
    clock.advance(LINK_TTL - timedelta(seconds=5))
    assert (await redeem(token)).openid == GRID
    clock.advance(timedelta(seconds=10))
    assert await redeem(late) is None
    assert (await ConsoleLink.get(token_hash=hashlib.sha256(late.encode()).hexdigest())
            ).used_at is None  # refused, not used up


async def test_old_links_are_pruned_when_new_ones_are_made(people):
    await create_link(ADMIN)
    used = await create_link(ADMIN)
    await redeem(used)
    clock.advance(timedelta(days=2))
    fresh = await create_link(ADMIN)
    assert await ConsoleLink.all().count() == 1
    assert (await redeem(fresh)).openid == ADMIN


async def test_two_redemptions_at_once_have_one_winner(people):
    for _ in range(3):
        token = await create_link(ADMIN)
        results = await asyncio.gather(*(redeem(token) for _ in range(4)))
        assert sum(r is not None for r in results) == 1, results


async def test_only_staff_get_links(people):
    with pytest.raises(NotStaff):
        await create_link(RES)
    with pytest.raises(NotStaff):
        await create_link("o-nobody")
    with pytest.raises(NotStaff):
        await create_link("")
    assert await ConsoleLink.all().count() == 0
    # A role withdrawn after the link was made: the link gives nothing.
    token = await create_link(GRID)
    await Person.filter(openid=GRID).update(role=Role.RESIDENT)
    assert await redeem(token) is None
    # A person deleted (erased) since: nothing either.
    other = await create_link(ADMIN)
    await Person.filter(openid=ADMIN).delete()
    assert await redeem(other) is None


def test_link_url():
    assert link_url("https://linli.example.cn", "abc") == (
        "https://linli.example.cn/console/login?t=abc")
    assert link_url("http://127.0.0.1:8080/", "abc") == "http://127.0.0.1:8080/console/login?t=abc"
    assert console_access.base_url("") == "http://127.0.0.1:8080"
    assert console_access.base_url("https://x.cn/") == "https://x.cn"


# -- 后台 in chat ------------------------------------------------------------------------------


async def test_staff_get_a_link_in_chat(make_bot):
    bot = await make_bot()
    await _people()
    reply = await bot.say(GRID, "后台")
    found = LINK.search(reply or "")
    assert found, reply
    url, token = found.groups()
    assert url.startswith("http://127.0.0.1:8080/console/login?t=")
    assert "5 分钟" in reply and "一次" in reply and "勿转发" in reply
    assert (await redeem(token)).openid == GRID
    assert await redeem(token) is None
    # The help lists it for staff.
    assert "【后台】" in await bot.say(GRID, "帮助")
    assert "【后台】" not in await bot.say(RES, "帮助")


async def test_the_link_uses_the_public_address(make_bot):
    bot = await make_bot(public_url="https://linli.example.cn")
    await _people()
    reply = await bot.say(ADMIN, "后台")
    url, token = LINK.search(reply).groups()
    assert url == f"https://linli.example.cn/console/login?t={token}"


async def test_a_resident_typing_it_is_not_understood(make_bot):
    bot = await make_bot()
    await _people()
    reply = await bot.say(RES, "后台")
    assert reply == texts.UNKNOWN.format(text="后台")
    assert "console" not in reply
    assert await ConsoleLink.all().count() == 0
    # Someone unknown to linli (their first message) alike.
    assert await bot.say("o-stranger", "后台") == texts.UNKNOWN.format(text="后台")
    assert await ConsoleLink.all().count() == 0


# -- linli console link -----------------------------------------------------------------------


@pytest.mark.real_clock  # the CLI runs on the real time
async def test_linli_console_link(db, redis_prefix):
    await _people()
    env = {"LINLI_DATABASE_URL": db.database_url, "LINLI_REDIS_URL": db.redis_url or "",
           "LINLI_REDIS_PREFIX": redis_prefix, "LINLI_PUBLIC_URL": ""}
    result = await run_cli("console", "link", ADMIN, env=env)
    assert result.code == 0, result.err
    url = result.out.strip()
    assert url.startswith("http://127.0.0.1:8080/console/login?t="), result.out
    assert "5 minutes" in result.err
    token = url.split("t=", 1)[1]
    assert (await redeem(token)).openid == ADMIN
    assert await redeem(token) is None
    # --base, and LINLI_PUBLIC_URL when there is no --base.
    result = await run_cli("console", "link", GRID, "--base", "https://c.example.cn/", env=env)
    assert result.out.startswith("https://c.example.cn/console/login?t="), result.out
    result = await run_cli("console", "link", GRID,
                           env={**env, "LINLI_PUBLIC_URL": "https://p.example.cn"})
    token = result.out.strip().split("t=", 1)[1]
    assert result.out.startswith("https://p.example.cn/console/login?t=")
    assert (await redeem(token)).openid == GRID
    # Refused: a resident, someone unknown.
    for who in (RES, "o-nobody"):
        result = await run_cli("console", "link", who, env=env)
        assert result.code == 1 and result.out == ""
        assert "not a staff member" in result.err and who in result.err
