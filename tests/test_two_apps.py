"""One person, two WeChat apps (issue 15): the Official Account and the mini-program have
their own AppIDs and openids; UnionID makes them one person, whichever app came first.

Driven through the real webhook and /api/v1 against the sandbox playing both apps, on both
backends. A person's records are keyed by the openid of the app they came through first.
"""

from __future__ import annotations

import asyncio
import os

import aiohttp
import pytest

from bot import keys
from bot.cli import main
from bot.sandbox.api_users import USER_INFO
from bot.wechat.errors import WeChatError
from handlers.geo.demo import load_geo_demo
from handlers.identity.data import has_data
from handlers.identity.join import JoinRefused, join
from handlers.privacy.service import erase
from handlers.reports import texts as report_texts
from handlers.reports.service.cases import submit_case
from rewards import ledger
from rewards.verify import verify
from storage import identity
from storage import keys as storage_keys
from storage.core.models import AppOpenid, AuditEntry, Person, PersonConflict, Role
from storage.db import close_db, init_db
from storage.ledger.models import Account
from tests.conftest import _truncate_all as truncate_all
from tests.support.api import form, jpeg

MP_APPID, MP_SECRET = "wx3c0ffee000000001", "miniapp-secret-0000000000000001"
OA1, MP1, U1 = "oOA-anna-000000000000000001", "oMP-anna-000000000000000001", "uANNA00000001"
IN_G01 = (43.8860, 125.3180)  # 明珠小区, grid G01


@pytest.fixture
async def two(make_bot, sandbox, tmp_path):
    """The service with its own mini-program app; the sandbox plays both."""
    sandbox.state.add_app(MP_APPID, MP_SECRET)
    bot = await make_bot(miniapp_appid=MP_APPID, miniapp_secret=MP_SECRET,
                         media_dir=tmp_path / "media")
    await load_geo_demo()
    await Person.create(openid="demo-grid-g01", role=Role.GRID_WORKER, name="王梦苏", grid="G01")
    return bot


@pytest.fixture
def mp(two, api_for):
    return api_for(two)


def bind(sandbox, oa: str = OA1, mp: str = MP1, unionid: str = U1) -> None:
    """Both apps on one 微信开放平台 account: WeChat tells the same UnionID."""
    sandbox.state.set_unionid(sandbox.state.appid, oa, unionid)
    sandbox.state.set_unionid(MP_APPID, mp, unionid)


async def report_via_api(caller) -> str:
    data = {"category": "garbage", "description": "楼下垃圾堆了三天", "lat": IN_G01[0],
            "lng": IN_G01[1]}
    status, body = await caller.post("/reports", data=form(data, [jpeg()]))
    assert status == 201, body
    return body["number"]


async def direct_case(reporter: str) -> str:
    case = await submit_case(reporter_openid=reporter, category_code="garbage",
                             description="井盖没了", lat=IN_G01[0], lng=IN_G01[1],
                             address="人民大街", building_code=None, media_ids=[])
    return case.number


def user_info_calls(sandbox) -> int:
    return sandbox.state.calls[USER_INFO]


async def test_miniapp_first_then_chat_is_one_person(two, mp, sandbox):
    bind(sandbox)
    anna = await mp.login(MP1)
    number = await report_via_api(anna)
    await ledger.grant(MP1, 30, "志愿服务", "grant-anna-1")
    # First message from the Official Account: WeChat is asked once, the openid linked.
    assert number in await two.say(OA1, "我的上报")
    assert "可用 30 分" in await two.say(OA1, "积分")
    await two.say(OA1, "你好")
    assert user_info_calls(sandbox) == 1
    assert await Person.all().count() == 2  # Anna and the grid worker
    assert await identity.person_key(identity.OA, OA1) == MP1
    assert await identity.app_openid(MP1, identity.OA) == OA1
    # Replies still go to the Official Account's openid (the passive reply's ToUserName).
    assert f"<ToUserName><![CDATA[{OA1}]]>" in await _raw_reply(two, OA1, "积分")
    # Customer-service messages to her key go to her Official Account openid.
    await two.client.app[keys.SERVICES].messenger.send_text(MP1, "您的上报有新进展")
    assert [m["payload"]["text"]["content"] for m in sandbox.state.messages_for(OA1)] == [
        "您的上报有新进展"]


async def _raw_reply(bot, openid: str, text: str) -> str:
    from bot import callbacks

    resp = await bot.post(callbacks.text(openid, text), openid)
    return await resp.text()


async def test_chat_first_then_miniapp_is_one_person(two, mp, sandbox):
    bind(sandbox)
    await two.say(OA1, "你好")
    person = await Person.get(openid=OA1)
    assert person.unionid == U1 and person.app == "oa"
    await ledger.grant(OA1, 12, "志愿服务", "grant-anna-2")
    number = await direct_case(OA1)
    anna = await mp.login(MP1)
    assert (await anna.get("/points"))[1]["available"] == 12
    status, mine = await anna.get("/reports/mine")
    assert status == 200 and [r["number"] for r in mine["items"]] == [number]
    # What the mini-program adds, chat sees.
    number2 = await report_via_api(anna)
    assert number2 in await two.say(OA1, "我的上报")
    assert await AppOpenid.filter(person_openid=OA1).values_list("app", "openid") == [
        ("miniapp", MP1)]
    assert user_info_calls(sandbox) == 1
    status, mine = await anna.get("/me/export")  # 我的数据 names both openids
    assert status == 200, mine
    assert [a["openid"] for a in mine["sections"]["app_openids"]] == [MP1]


async def test_without_unionid_two_people_and_nothing_breaks(two, mp, sandbox):
    anna = await mp.login(MP1)
    await report_via_api(anna)
    for text in ("你好", "我的上报", "积分"):
        assert await two.say(OA1, text)
    assert await two.say(OA1, "我的上报") == report_texts.MINE_EMPTY  # hers are elsewhere
    assert user_info_calls(sandbox) == 1  # asked once, not on every message
    assert await AppOpenid.all().count() == 0
    assert await Person.filter(openid__in=[OA1, MP1]).count() == 2


async def test_user_info_failure_is_retried_later_not_every_message(two, sandbox):
    bind(sandbox)
    sandbox.state.fail_next(USER_INFO, 45009)  # "reach max api daily quota limit"
    assert await two.say(OA1, "你好")  # answered all the same, unlinked
    assert user_info_calls(sandbox) == 1
    await two.say(OA1, "积分")
    assert user_info_calls(sandbox) == 1  # the failure is remembered for a few minutes
    kv = two.client.app[keys.KV_STORE]
    await kv.redis.delete(storage_keys.identity(kv, "oa", OA1))  # those minutes have passed
    await two.say(OA1, "积分")
    assert user_info_calls(sandbox) == 2
    assert (await Person.get(openid=OA1)).unionid == U1


async def test_both_with_data_are_kept_apart_and_listed(two, mp, sandbox):
    # The Official Account person from before the mini-program existed: data, no UnionID.
    await Person.create(openid=OA1)
    await ledger.grant(OA1, 5, "志愿服务", "grant-oa")
    bind(sandbox)
    anna = await mp.login(MP1)  # a mini-program person of her own, with the UnionID
    number = await report_via_api(anna)
    reply = await two.say(OA1, "我的上报")
    assert number not in reply  # not joined
    conflicts = await identity.open_conflicts()
    assert [(c.oa_openid, c.miniapp_openid, c.unionid) for c in conflicts] == [(OA1, MP1, U1)]
    await two.say(OA1, "积分")
    assert await PersonConflict.all().count() == 1 and user_info_calls(sandbox) == 1
    # The operator joins them (`linli people link`): the report follows, the ledger holds.
    kv = two.client.app[keys.KV_STORE]
    joined = await join(kv, OA1, MP1, actor="cli")
    assert joined.moved["reports"] == 1
    assert number in await two.say(OA1, "我的上报")
    assert (await verify()).ok
    assert await identity.open_conflicts() == []
    assert (await Person.get(openid=OA1)).unionid == U1
    assert not await Person.exists(openid=MP1)
    assert (await anna.get("/me"))[0] == 401  # the old key's session ended
    again = await mp.login(MP1)
    assert (await again.get("/points"))[1]["available"] == 5
    assert await AuditEntry.filter(action="people_link").count() == 1


async def test_a_person_without_data_is_joined_on_first_sight(two, mp, sandbox):
    await Person.create(openid=OA1, name="安娜")  # from single-app days: data, no UnionID
    await direct_case(OA1)
    bind(sandbox)
    await mp.login(MP1)  # a bare mini-program person with the UnionID
    assert not await has_data(await Person.get(openid=MP1))
    await two.say(OA1, "你好")
    assert not await Person.exists(openid=MP1)
    assert await identity.person_key(identity.MINIAPP, MP1) == OA1
    assert await PersonConflict.all().count() == 0
    anna = await mp.login(MP1)
    status, mine = await anna.get("/reports/mine")
    assert status == 200 and len(mine["items"]) == 1


async def test_two_wallets_are_never_joined(two, sandbox):
    await Person.create(openid=OA1)
    await Person.create(openid=MP1, app="miniapp")
    await ledger.grant(OA1, 5, "志愿服务", "g-oa")
    await ledger.grant(MP1, 7, "志愿服务", "g-mp")
    with pytest.raises(JoinRefused) as refused:
        await join(two.client.app[keys.KV_STORE], OA1, MP1)
    assert refused.value.code == "two_wallets"
    assert await Account.filter(openid__in=[OA1, MP1]).count() == 2
    assert await Person.filter(openid__in=[OA1, MP1]).count() == 2
    assert (await verify()).ok


async def test_erasure_from_one_app_removes_both_openids(two, mp, sandbox):
    bind(sandbox)
    anna = await mp.login(MP1)
    await report_via_api(anna)
    await two.say(OA1, "你好")
    assert "确认注销" in await two.say(OA1, "注销")
    assert "已删除" in await two.say(OA1, "确认注销")
    assert await AppOpenid.all().count() == 0
    assert not await Person.exists(openid=MP1)
    assert (await anna.get("/me"))[0] == 401
    # Writing again is someone new, not the erased key.
    await two.say(OA1, "你好")
    assert await identity.person_key(identity.OA, OA1) == OA1
    assert await Person.exists(openid=OA1)


async def test_single_app_mode_is_unchanged(bot, api, sandbox):
    await bot.say(OA1, "你好")
    anna = await api.login("o-single-1")
    assert (await anna.get("/me"))[0] == 200
    assert user_info_calls(sandbox) == 0
    assert await AppOpenid.all().count() == 0
    assert await Person.filter(openid__in=[OA1, "o-single-1"]).count() == 2


# -- linli people (in-process, as tests/test_ledger_cli.py drives the CLI) --------------------


def _prepare(url: str) -> None:
    """Two people WeChat says are one, both with data, recorded as a conflict."""

    async def go() -> None:
        await init_db(url)
        try:
            await truncate_all()
            await load_geo_demo()
            await Person.create(openid=OA1, unionid=U1)
            await Person.create(openid=MP1, app="miniapp")
            await direct_case(OA1)
            await ledger.grant(MP1, 5, "志愿服务", f"grant:{MP1}:1")  # a key naming her
            await identity.record_conflict(OA1, MP1, U1)
        finally:
            await close_db()

    asyncio.run(go())


@pytest.fixture
def cli(backend, monkeypatch):
    for name in list(os.environ):
        if name.startswith("LINLI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LINLI_DATABASE_URL", backend.database_url)
    _prepare(backend.database_url)


def test_linli_people_conflicts_and_link(cli, capsys):
    assert main(["people", "conflicts"]) == 0
    out = capsys.readouterr().out
    assert f"--oa {OA1} (case_events 1, reports 1)" in out
    assert f"--miniapp {MP1} (points_accounts 1, points_transfers 1)" in out
    assert main(["people", "link", "--oa", OA1, "--miniapp", MP1]) == 0
    out = capsys.readouterr().out
    assert "would move" in out and "points_accounts: 1 row(s)" in out and "dry run" in out
    assert main(["people", "link", "--oa", OA1, "--miniapp", MP1, "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"moved from {MP1}" in out and f"{MP1} is now an alias of {OA1}" in out
    assert main(["ledger", "verify"]) == 0
    assert main(["points", "balance", OA1]) == 0
    assert "balance 5" in capsys.readouterr().out
    assert main(["people", "conflicts"]) == 0
    assert "no conflicts" in capsys.readouterr().out
    assert main(["people", "link", "--oa", OA1, "--miniapp", MP1, "--yes"]) == 0
    assert "already belong to one person" in capsys.readouterr().err
    assert main(["people", "link", "--oa", "o-nobody", "--miniapp", "o-none", "--yes"]) == 1
    assert "unknown_person" in capsys.readouterr().err


async def test_sandbox_user_info_answers_as_wechat(two, sandbox):
    oa, miniapp = two.client.app[keys.WECHAT], two.client.app[keys.WECHAT_MINIAPP]
    with pytest.raises(WeChatError) as unknown:
        await oa.user_info(OA1)
    assert unknown.value.code == 40003  # the account never saw this openid
    await two.say(OA1, "你好")
    info = await oa.user_info(OA1)
    assert info["subscribe"] == 1 and info["openid"] == OA1 and "unionid" not in info
    assert "nickname" not in info  # not told since December 2021
    bind(sandbox)
    assert (await oa.user_info(OA1))["unionid"] == U1
    sandbox.state.set_following(OA1, False)
    assert await oa.user_info(OA1) == {"subscribe": 0, "openid": OA1}
    with pytest.raises(WeChatError) as refused:
        await miniapp.user_info(OA1)
    assert refused.value.code == 48001  # an Official Account API


async def test_a_follow_looks_again_when_the_open_platform_came_later(two, mp, sandbox):
    await two.say(OA1, "你好")  # no UnionID yet: remembered for a day
    anna = await mp.login(MP1)
    await report_via_api(anna)
    bind(sandbox)  # the operator binds both apps to the open platform
    await mp.login(MP1)  # the mini-program's next sign-in brings the UnionID
    assert (await Person.get(openid=MP1)).unionid == U1
    await two.say(OA1, "积分")
    assert user_info_calls(sandbox) == 1
    await two.event(OA1, "subscribe")  # she follows again: asked again, joined
    assert user_info_calls(sandbox) == 2
    assert await identity.person_key(identity.OA, OA1) == MP1  # the one with data kept
    assert not await Person.exists(openid=OA1)
    await two.event(OA1, "subscribe")
    assert user_info_calls(sandbox) == 2  # linked people are not asked again


async def test_erasure_by_the_other_apps_openid_erases_the_person(two, mp, sandbox):
    bind(sandbox)
    anna = await mp.login(MP1)
    await report_via_api(anna)
    await two.say(OA1, "你好")
    done = await erase(OA1, two.client.app[keys.KV_STORE], media=None)  # `linli privacy erase`
    assert done.pseudonym is not None and done.rows > 0
    assert not await Person.exists(openid=MP1) and await AppOpenid.all().count() == 0


async def test_the_sandbox_binds_an_openid_to_a_unionid_over_http(two, sandbox):
    async with aiohttp.ClientSession() as http:
        ok = await http.post(f"{sandbox.url}/_sandbox/unionid",
                             json={"openid": MP1, "unionid": U1, "appid": MP_APPID})
        assert ok.status == 200
        unknown = await http.post(f"{sandbox.url}/_sandbox/unionid",
                                  json={"openid": MP1, "unionid": U1, "appid": "wx0"})
        assert unknown.status == 400
    assert sandbox.state.unionid_of(MP_APPID, MP1) == U1
