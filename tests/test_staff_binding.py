"""Staff invitations from the CLI and binding in chat (绑定 <code>)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.staff import create_invite
from storage import clock
from storage.core.models import Person, Role, StaffInvite
from tests.support.cli import run_cli


@pytest.mark.real_clock  # other processes run on the real time of day
async def test_cli_invite_prints_code_and_binding_works(bot):
    env = {"LINLI_DATABASE_URL": bot.settings.database_url}
    result = await run_cli("staff", "invite", "--role", "grid_worker", "--grid", "G01",
                           "--name", "王梦苏", env=env)
    assert result.code == 0, result.err
    printed = result.out.splitlines()[0]
    assert len(printed) == 6 and printed.isdigit()
    reply = await bot.say("o-staff", f"绑定 {printed}")
    assert "绑定成功" in reply and "王梦苏" in reply and "网格员" in reply
    person = await Person.get(openid="o-staff")
    assert (person.role, person.grid, person.name) == (Role.GRID_WORKER, "G01", "王梦苏")
    # Now the menu shows staff functions.
    assert "工作人员功能" in await bot.say("o-staff", "帮助")


async def test_codes_are_stored_hashed(db):
    code = await create_invite(Role.ADMIN, "张丽")
    invite = await StaffInvite.get()
    assert code not in invite.code_hash and len(invite.code_hash) == 64


@pytest.mark.parametrize("text", ["绑定１２３４５６", "绑定 123456", "绑定：123456", "绑定  123456 "])
async def test_tolerant_input(bot, monkeypatch, text):
    monkeypatch.setattr("handlers.staff.secrets.randbelow", lambda n: 123456)
    await create_invite(Role.PROPERTY_MANAGER, "赵红梅", org="明珠小区")
    reply = await bot.say("o-tol", text)
    assert "绑定成功" in reply and "物业" in reply


async def test_reused_code_is_refused(bot):
    code = await create_invite(Role.ADMIN, "张丽")
    assert "绑定成功" in await bot.say("o-a", f"绑定 {code}")
    assert "已被使用" in await bot.say("o-b", f"绑定 {code}")
    assert (await Person.get(openid="o-b")).role is Role.RESIDENT


async def test_expired_code_is_refused(bot):
    code = await create_invite(Role.GRID_WORKER, "李建国", grid="G02")
    clock.advance(timedelta(hours=24, minutes=1))
    assert "已过期" in await bot.say("o-late", f"绑定 {code}")
    assert (await Person.get(openid="o-late")).role is Role.RESIDENT


async def test_wrong_and_malformed_codes(bot):
    await create_invite(Role.ADMIN, "张丽")
    assert "不正确" in await bot.say("o-w", "绑定 000000")
    assert "六位数字" in await bot.say("o-w", "绑定 12ab")
    assert "六位邀请码" in await bot.say("o-w", "绑定")


async def test_guessing_is_rate_limited(bot, monkeypatch):
    monkeypatch.setattr("handlers.staff.secrets.randbelow", lambda n: 999999)
    await create_invite(Role.ADMIN, "张丽")
    for guess in range(5):
        assert "不正确" in await bot.say("o-guess", f"绑定 {guess:06d}")
    # Even the right code is refused once the limit is reached.
    assert "尝试次数过多" in await bot.say("o-guess", "绑定 999999")
    assert (await Person.get(openid="o-guess")).role is Role.RESIDENT


async def test_invite_validation(db):
    from handlers.staff import InviteError

    with pytest.raises(InviteError):
        await create_invite(Role.GRID_WORKER, "无网格")
    with pytest.raises(InviteError):
        await create_invite(Role.RESIDENT, "居民")


@pytest.mark.real_clock  # other processes run on the real time of day
async def test_cli_lists_staff_and_refuses_bad_invites(bot):
    env = {"LINLI_DATABASE_URL": bot.settings.database_url}
    bad = await run_cli("staff", "invite", "--role", "grid_worker", "--name", "无网格", env=env)
    assert bad.code == 2 and "--grid" in bad.err
    code = await create_invite(Role.DEPARTMENT, "刘强", org="市容环境卫生局")
    await bot.say("o-dept", f"绑定 {code}")
    listed = await run_cli("staff", "list", "--json", env=env)
    assert listed.code == 0
    assert '"department"' in listed.out and "刘强" in listed.out
