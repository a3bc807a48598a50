"""人员 in the web console over HTTP, on both backends: admins only (404 for the rest); staff
with roles, grids and last activity; an invitation shows its code once (as ``linli staff
invite``) and binds in chat; withdrawing a role ends every session of that person; who may
invite or withdraw admins; all of it audited."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest

from bot import keys
from handlers.demo import load_demo_data
from storage import console_sessions, sessions
from storage import keys as storage_keys
from storage.core.models import Person, Role, StaffInvite
from storage.core.models.console import AuditEntry
from storage.geo.models import Community
from tests.test_console_web import ADMIN, GRID, Console, sign_in

STREET = "o-street-admin"
ONCE = re.compile(r'name="once" value="([^"]+)"')
CSRF = re.compile(r'data-csrf="([^"]+)"')
CODE = re.compile(r'id="invite-code">(\d{6})<')


@pytest.fixture
async def team(bot):
    await load_demo_data(cases=False)
    await Person.create(openid=STREET, role=Role.ADMIN, name="街道孙主任")
    return bot


async def form(console: Console, **fields: str) -> dict:
    body = await (await console.get("/console/staff")).text()
    return {"csrf": CSRF.search(body).group(1), "once": ONCE.search(body).group(1), **fields}


def said(response) -> str:
    assert response.status == 303, response.status
    return unquote(response.headers["Location"].split("=", 1)[1])


async def test_only_admins_open_staff(team):
    for openid in (GRID, "demo-property", "demo-department"):
        other = await sign_in(team.client, openid)
        r = await other.get("/console/staff")
        assert r.status == 404, openid
        assert "撤销角色" not in await r.text()
        assert ">人员</a>" not in await (await other.get("/console/cases")).text()
        token = await other.csrf("/console/cases")
        for path, fields in (("/console/staff/invite", {"role": "grid_worker", "name": "甲",
                                                        "grid": "G02"}),
                             ("/console/staff/withdraw", {"openid": "demo-grid-g02"})):
            refused = await other.post(path, {"csrf": token, "once": "abcdefgh1", **fields})
            assert refused.status == 404, (openid, path)
    assert await StaffInvite.all().count() == 0
    assert (await Person.get(openid="demo-grid-g02")).role is Role.GRID_WORKER


async def test_staff_with_roles_grids_and_last_activity(team):
    await Person.filter(openid=GRID).update(
        last_message_at=datetime(2026, 12, 1, 2, 30, tzinfo=UTC))
    admin = await sign_in(team.client, ADMIN)
    r = await admin.get("/console/staff")
    assert r.status == 200
    body = await r.text()
    assert ">人员</a>" in body
    table = body.split('id="staff-table"')[1].split("</table>")[0]
    row = table.split(f'data-openid="{GRID}"')[1].split("</tr>")[0]
    assert "网格员" in row and "王梦苏" in row and "G01" in row
    assert "2026-12-01 10:30" in row  # Shanghai time
    for openid in ("demo-admin", "demo-grid-g02", "demo-property", "demo-department", STREET):
        assert f'data-openid="{openid}"' in table
    assert 'data-openid="demo-resident"' not in table
    assert 'data-openid="demo-volunteer"' not in table
    # One cannot withdraw oneself: no button on one's own row.
    own = table.split(f'data-openid="{ADMIN}"')[1].split("</tr>")[0]
    assert "撤销角色" not in own


async def test_an_invitation_shows_its_code_once_and_binds(team):
    admin = await sign_in(team.client, ADMIN)
    fields = await form(admin, role="grid_worker", name="钱多多", grid="G02")
    r = await admin.post("/console/staff/invite", fields)
    assert r.status == 200
    body = await r.text()
    code = CODE.search(body).group(1)
    assert f"绑定 {code}" in body and "钱多多" in body
    [invite] = await StaffInvite.all()
    assert invite.role is Role.GRID_WORKER and invite.grid == "G02"
    assert invite.created_by == ADMIN and code not in invite.code_hash
    # The same form again: no second invitation, and the code is not shown again.
    again = await admin.post("/console/staff/invite", fields)
    assert "已经提交过" in said(again)
    assert await StaffInvite.all().count() == 1
    assert code not in await (await admin.get("/console/staff")).text()
    assert await AuditEntry.filter(action="staff_invite", actor_openid=ADMIN).count() == 1
    # The invitee binds in chat.
    reply = await team.say("o-newcomer", f"绑定 {code}")
    assert "钱多多" in reply
    newcomer = await Person.get(openid="o-newcomer")
    assert newcomer.role is Role.GRID_WORKER and newcomer.grid == "G02"
    assert 'data-openid="o-newcomer"' in await (await admin.get("/console/staff")).text()


@pytest.mark.parametrize(("fields", "error"), [
    ({"role": "resident", "name": "甲"}, "请选择角色"),
    ({"role": "grid_worker", "name": " "}, "请填写姓名"),
    ({"role": "grid_worker", "name": "甲"}, "网格员需要选择网格"),
    ({"role": "grid_worker", "name": "甲", "grid": "G99"}, "没有网格 G99"),
    ({"role": "admin", "name": "甲"}, "只有街道管理员"),
])
async def test_an_unusable_invitation_is_refused(team, fields, error):
    admin = await sign_in(team.client, ADMIN)  # a community admin (繁荣社区)
    assert await Community.filter(admin_openid=ADMIN).exists()
    r = await admin.post("/console/staff/invite", await form(admin, **fields))
    assert r.status == 400
    assert error in await r.text() and 'id="invite-code"' not in await r.text()
    assert await StaffInvite.all().count() == 0


async def test_a_street_admin_invites_an_admin(team):
    street = await sign_in(team.client, STREET)
    r = await street.post("/console/staff/invite",
                          await form(street, role="admin", name="新社区书记"))
    assert r.status == 200 and CODE.search(await r.text())
    assert (await StaffInvite.get()).role is Role.ADMIN


async def test_withdrawing_a_role_ends_every_session(team):
    kv = team.client.app[keys.KV_STORE]
    worker = await sign_in(team.client, GRID)
    assert (await worker.get("/console/points")).status == 200
    mini = await sessions.create(kv, GRID, "session-key")
    admin = await sign_in(team.client, ADMIN)
    done = await admin.post("/console/staff/withdraw", await form(admin, openid=GRID))
    assert "已撤销 王梦苏 的网格员角色" in said(done)
    person = await Person.get(openid=GRID)
    assert person.role is Role.RESIDENT and person.grid is None and person.org is None
    assert await sessions.get(kv, mini) is None
    assert not await kv.redis.smembers(storage_keys.console_sessions_of(kv, GRID))
    gone = await worker.get("/console/")
    assert gone.status == 303 and gone.headers["Location"] == "/console/login"
    [entry] = await AuditEntry.filter(action="staff_withdraw")
    assert entry.actor_openid == ADMIN and entry.target == GRID and "grid_worker" in entry.detail
    body = await (await admin.get("/console/staff")).text()
    assert f'data-openid="{GRID}"' not in body
    # In chat they are a resident now: 核销 is not theirs.
    assert "核销成功" not in (await team.say(GRID, "核销 123456") or "")


async def test_who_may_withdraw_whom(team):
    admin = await sign_in(team.client, ADMIN)
    for openid, error in ((ADMIN, "不能撤销自己的角色"), ("demo-resident", "不是工作人员"),
                          ("o-nobody", "不是工作人员"), (STREET, "只有街道管理员")):
        refused = await admin.post("/console/staff/withdraw", await form(admin, openid=openid))
        assert error in said(refused), openid
    assert (await Person.get(openid=STREET)).role is Role.ADMIN
    assert await AuditEntry.filter(action="staff_withdraw").count() == 0
    # A street admin may withdraw a community admin, who stops administering the community.
    street = await sign_in(team.client, STREET)
    done = await street.post("/console/staff/withdraw", await form(street, openid=ADMIN))
    assert "已撤销 张丽 的社区管理员角色" in said(done)
    assert not await Community.filter(admin_openid=ADMIN).exists()
    assert (await admin.get("/console/staff")).status == 303  # signed out
    assert await console_sessions.revoke_all(kv=team.client.app[keys.KV_STORE],
                                             openid=ADMIN) == 0
