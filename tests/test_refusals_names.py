"""Issue 14, refuse what cannot be right: unknown communities, grids, organisations, buildings
and people are refused with what exists (chat and CLI)."""

from __future__ import annotations

import pytest

from handlers.geo.demo import load_geo_demo
from handlers.staff import InviteError, create_invite
from storage.core.models import Person, Role, StaffInvite, Wish, WishStatus
from tests.support.cli import run_cli
from tests.support.wishes import app_bot, staff, wish

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def gbot(make_bot, tmp_path):
    await load_geo_demo()
    return await app_bot(make_bot, tmp_path)


async def test_invites_refuse_unknown_grids_and_organisations(db):
    await load_geo_demo()
    with pytest.raises(InviteError, match="没有网格 G99；现有网格：G01、G02"):
        await create_invite(Role.GRID_WORKER, "王五", grid="G99")
    with pytest.raises(InviteError, match="没有单位「不存在的小区」.*长春万科物业 · 明珠小区"):
        await create_invite(Role.PROPERTY_MANAGER, "王五", org="不存在的小区")
    await create_invite(Role.GRID_WORKER, "王五", grid="g02")
    await create_invite(Role.PROPERTY_MANAGER, "赵红梅", org="明珠小区")
    invites = await StaffInvite.all().order_by("id")
    assert [(i.grid, i.org) for i in invites] == [("G02", None), (None, "长春万科物业 · 明珠小区")]


@pytest.mark.real_clock  # other processes run on the real time of day
async def test_cli_invite_and_approve_name_what_exists(gbot):
    env = {"LINLI_DATABASE_URL": gbot.settings.database_url}
    bad = await run_cli("staff", "invite", "--role", "grid_worker", "--grid", "G99",
                        "--name", "王五", env=env)
    assert bad.code == 2 and "没有网格 G99" in bad.err and "G01" in bad.err  # errors: stderr
    bad = await run_cli("staff", "invite", "--role", "property_manager", "--org", "不存在的小区",
                        "--name", "王五", env=env)
    assert bad.code == 2 and "不存在的小区" in bad.err and "明珠小区" in bad.err
    w = await wish(WishStatus.SUBMITTED, grid=None)
    bad = await run_cli("wishes", "approve", w.number, "--grid", "G99", env=env)
    assert bad.code == 1 and "没有网格 G99" in bad.err
    assert (await Wish.get(id=w.id)).status is WishStatus.SUBMITTED


async def test_chat_approve_refuses_an_unknown_grid(gbot):
    await staff()
    w = await wish(WishStatus.SUBMITTED, grid=None)
    refused = await gbot.say("o-admin", f"通过 {w.number} G99")
    assert "没有网格 G99" in refused and "G01" in refused
    assert (await Wish.get(id=w.id)).status is WishStatus.SUBMITTED
    assert "已通过" in await gbot.say("o-admin", f"通过 {w.number} G02")
    assert (await Wish.get(id=w.id)).grid == "G02"


async def test_a_qr_code_of_an_unknown_building_keeps_the_persons_building(gbot):
    assert "欢迎" in await gbot.event("o-qr", "subscribe", "qrscene_B12-1")
    assert (await Person.get(openid="o-qr")).building == "B12-1"
    reply = await gbot.event("o-qr", "SCAN", "ZZ-99")
    assert "ZZ-99" in reply and "没有记下" in reply
    assert (await Person.get(openid="o-qr")).building == "B12-1"
    reply = await gbot.event("o-qr2", "subscribe", "qrscene_ZZ-99")
    assert "欢迎" in reply and "没有记下" in reply
    assert (await Person.get(openid="o-qr2")).building is None
