"""积分 in the web console over HTTP, on both backends: the catalogue (add, restock, disable,
each once per form even when replayed after its Redis key is gone), redemptions by status,
the 核销 counter (the chat's 核销: who and what, handed out once, the chat's refusals and its
cap on wrong codes), a person's points (admins, audited) and the ledger's verification."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest

from bot import keys
from handlers.demo import load_demo_data
from handlers.points import texts as points_texts
from rewards import accounts, catalogue, ledger
from rewards.policy import load_rules
from rewards.verify import verify
from storage import clock
from storage import keys as storage_keys
from storage.core.models import OutboxMessage
from storage.core.models.console import AuditEntry
from storage.ledger.models import Account, Redemption, RedemptionStatus, Reward
from tests.test_console_web import ADMIN, GRID, RESIDENT, Console, sign_in

PROPERTY = "demo-property"
ONCE = re.compile(r'name="once" value="([^"]+)"')
CSRF = re.compile(r'data-csrf="([^"]+)"')


@pytest.fixture
async def desk(bot):
    await load_demo_data(cases=False)  # 4 demo rewards; demo-resident holds 130 points
    return bot


async def form(console: Console, path: str = "/console/points", **fields: str) -> dict:
    """A fresh form of ``path``: the session's token and a new one-time field."""
    body = await (await console.get(path)).text()
    return {"csrf": CSRF.search(body).group(1), "once": ONCE.search(body).group(1), **fields}


def said(response) -> str:
    """What a 303 back tells: its msg or err, decoded."""
    assert response.status == 303, response.status
    location = response.headers["Location"]
    return unquote(location.split("msg=", 1)[-1].split("err=", 1)[-1])


async def forget_once(bot, openid: str, once: str) -> None:
    kv = bot.client.app[keys.KV_STORE]
    assert await kv.redis.delete(storage_keys.console_form(kv, openid, once)) == 1


async def stock(reward_id: int) -> int:
    return (await catalogue.get_reward(reward_id)).stock


async def redeem_in_chat(bot, openid: str, reward_id: int) -> str:
    assert "回复「确认」" in await bot.say(openid, f"兑换 {reward_id}")
    reply = await bot.say(openid, "确认")
    assert "兑换成功" in reply, reply
    return reply.split("核销码：")[1][:6]


async def test_who_opens_the_points_pages(desk):
    admin, worker = await sign_in(desk.client, ADMIN), await sign_in(desk.client, GRID)
    manager = await sign_in(desk.client, PROPERTY)
    body = await (await admin.get("/console/points")).text()
    assert ">积分</a>" in body and "洗衣液 2kg" in body and 'id="add-reward"' in body
    assert 'id="ledger-verify"' in body and 'data-ok="1"' in body and "核验通过" in body
    assert body.count('class="inline restock"') == 4
    shown = await worker.get("/console/points")
    assert shown.status == 200
    seen = await shown.text()
    assert ">积分</a>" in seen and "洗衣液 2kg" in seen
    # The catalogue's forms, a person's points and the ledger check are for admins.
    assert "add-reward" not in seen and "restock" not in seen and "ledger-verify" not in seen
    assert (await worker.get("/console/points/counter")).status == 200
    assert (await worker.get(f"/console/points/person?openid={RESIDENT}")).status == 404
    # A property manager does not work at the station: neither offered nor served.
    assert ">积分</a>" not in await (await manager.get("/console/cases")).text()
    for path in ("/console/points", "/console/points/counter",
                 f"/console/points/person?openid={RESIDENT}"):
        assert (await manager.get(path)).status == 404, path
    refused = await manager.post("/console/points/counter",
                                 {"csrf": await manager.csrf("/console/cases"), "code": "123456"})
    assert refused.status == 404


async def test_adding_a_reward_once_per_form(desk):
    admin = await sign_in(desk.client, ADMIN)
    fields = await form(admin, name="保温杯", cost="60", stock="8", limit="1",
                        until="2099-12-31", place="繁荣社区服务站")
    first = await admin.post("/console/points/rewards", fields)
    assert "已添加礼品" in said(first) and "保温杯" in said(first)
    [cup] = await Reward.filter(name="保温杯")
    assert cup.cost == 60 and cup.per_person_limit == 1 and await stock(cup.id) == 8
    # A double click: the form's one-time field is taken.
    again = await admin.post("/console/points/rewards", fields)
    assert "已经提交过" in said(again)
    # Replayed after the Redis key is gone: the audit entry of that form answers.
    await forget_once(desk, ADMIN, fields["once"])
    replayed = await admin.post("/console/points/rewards", fields)
    assert f"已经添加过礼品 {cup.id}" in said(replayed)
    assert await Reward.filter(name="保温杯").count() == 1 and await stock(cup.id) == 8
    assert await AuditEntry.filter(action="reward_add", target=f"reward:{cup.id}").count() == 1
    # It is offered in chat.
    assert "保温杯" in await desk.say(RESIDENT, "兑换")


@pytest.mark.parametrize(("fields", "error"), [
    ({"name": "", "cost": "10"}, "礼品名称"),
    ({"name": "雨伞", "cost": "0"}, "所需积分"),
    ({"name": "雨伞", "cost": "ten"}, "所需积分"),
    ({"name": "雨伞", "cost": "10", "stock": "-1"}, "库存"),
    ({"name": "雨伞", "cost": "10", "limit": "0"}, "每人限兑"),
    ({"name": "雨伞", "cost": "10", "from": "2030-01-02", "until": "2030-01-01"}, "日期"),
])
async def test_an_unusable_reward_form_adds_nothing(desk, fields, error):
    admin = await sign_in(desk.client, ADMIN)
    refused = await admin.post("/console/points/rewards", await form(admin, **fields))
    assert "err=" in refused.headers["Location"] and error in said(refused)
    assert not await Reward.filter(name="雨伞").exists()


async def test_only_admins_change_the_catalogue(desk):
    worker = await sign_in(desk.client, GRID)
    soap = await Reward.get(name="洗衣液 2kg")
    token = await worker.csrf("/console/points")
    for path, fields in (("/console/points/rewards", {"name": "雨伞", "cost": "10"}),
                         (f"/console/points/rewards/{soap.id}/restock", {"quantity": "5"}),
                         (f"/console/points/rewards/{soap.id}/toggle", {"enabled": "0"})):
        refused = await worker.post(path, {"csrf": token, "once": "abcdefgh123", **fields})
        assert refused.status == 404, path
    assert not await Reward.filter(name="雨伞").exists()
    assert await stock(soap.id) == 20 and (await Reward.get(id=soap.id)).enabled
    # Without our origin or the token: refused before anything.
    admin = await sign_in(desk.client, ADMIN)
    fields = await form(admin, quantity="5")
    assert (await admin.post(f"/console/points/rewards/{soap.id}/restock", fields,
                             origin="https://evil.example")).status == 403
    assert (await admin.post(f"/console/points/rewards/{soap.id}/restock",
                             {**fields, "csrf": "x"})).status == 403
    assert await stock(soap.id) == 20


async def test_a_restock_form_adds_once_even_replayed(desk):
    admin = await sign_in(desk.client, ADMIN)
    soap = await Reward.get(name="洗衣液 2kg")
    fields = await form(admin, quantity="5", reason="十二月补货")
    done = await admin.post(f"/console/points/rewards/{soap.id}/restock", fields)
    assert f"礼品 {soap.id} 已入库 5 件，现有库存 25 件" in said(done)
    assert "已经提交过" in said(await admin.post(
        f"/console/points/rewards/{soap.id}/restock", fields))
    await forget_once(desk, ADMIN, fields["once"])
    replayed = await admin.post(f"/console/points/rewards/{soap.id}/restock", fields)
    assert "已经入库过，没有重复入库" in said(replayed) and "现有库存 25 件" in said(replayed)
    assert await stock(soap.id) == 25
    assert await AuditEntry.filter(action="reward_restock").count() == 1
    # Another form adds again; a bad quantity or an unknown reward adds nothing.
    more = await admin.post(f"/console/points/rewards/{soap.id}/restock",
                            await form(admin, quantity="3"))
    assert "现有库存 28 件" in said(more)
    assert "入库数量" in said(await admin.post(f"/console/points/rewards/{soap.id}/restock",
                                               await form(admin, quantity="0")))
    unknown = await form(admin, quantity="3")
    assert "没有找到编号为 999999 的礼品" in said(await admin.post(
        "/console/points/rewards/999999/restock", unknown))
    assert await stock(soap.id) == 28
    # The refused form was given back: it may be sent again (and is refused again).
    assert "没有找到" in said(await admin.post("/console/points/rewards/999999/restock",
                                              unknown))
    page = await (await admin.get("/console/points")).text()
    assert re.search(rf'data-reward="{soap.id}">.*?<td class="num stock">28</td>', page,
                     re.S)
    assert (await verify()).ok


async def test_a_disabled_reward_is_no_longer_offered(desk):
    admin = await sign_in(desk.client, ADMIN)
    cut = await Reward.get(name="理发券")
    done = await admin.post(f"/console/points/rewards/{cut.id}/toggle",
                            await form(admin, enabled="0"))
    assert "已停用" in said(done)
    assert not (await Reward.get(id=cut.id)).enabled
    assert "理发券" not in await desk.say(RESIDENT, "兑换")
    assert "当前不可兑换" in await desk.say(RESIDENT, f"兑换 {cut.id}")
    assert await AuditEntry.filter(action="reward_disable").count() == 1
    back = await admin.post(f"/console/points/rewards/{cut.id}/toggle",
                            await form(admin, enabled="1"))
    assert "重新启用" in said(back) and (await Reward.get(id=cut.id)).enabled


async def counter_look(console: Console, code: str) -> str:
    r = await console.post("/console/points/counter",
                           {"csrf": await console.csrf("/console/points/counter"),
                            "action": "look", "code": code})
    assert r.status == 200
    return await r.text()


async def test_the_counter_hands_out_once(desk):
    soap = await Reward.get(name="洗衣液 2kg")
    code = await redeem_in_chat(desk, RESIDENT, soap.id)
    worker = await sign_in(desk.client, GRID)
    page = await counter_look(worker, f" {code[:3]} {code[3:]} ")
    assert 'id="counter-found"' in page and "洗衣液 2kg" in page
    assert "周**" in page and "周大妈" not in page  # who, masked
    hand = ONCE.search(page).group(1)
    fields = {"csrf": CSRF.search(page).group(1), "once": hand, "action": "hand", "code": code}
    # Looking did not hand it out.
    assert (await Redemption.get(code=code)).status == RedemptionStatus.PENDING
    done = await worker.post("/console/points/counter", fields)
    assert done.headers["Location"].startswith("/console/points/counter?msg=")
    assert "核销成功：洗衣液 2kg（80 分）" in said(done) and "兑换人 周**" in said(done)
    r = await Redemption.get(code=code)
    assert r.status == RedemptionStatus.PICKED_UP and r.picked_up_by == GRID
    assert await ledger.balance(RESIDENT) == ledger.Balance(RESIDENT, 50, 0, 50)
    [notice] = [m.payload["text"] for m in await OutboxMessage.filter(openid=RESIDENT)
                if "已在" in m.payload.get("text", "")]
    assert code in notice
    # The same form again, and again after its Redis key is gone: handed out once.
    assert "已经提交过" in said(await worker.post("/console/points/counter", fields))
    await forget_once(desk, GRID, hand)
    assert f"核销码 {code} 已经使用过了" in said(await worker.post("/console/points/counter",
                                                                fields))
    assert f"核销码 {code} 已经使用过了" in await counter_look(worker, code)
    assert await ledger.balance(RESIDENT) == ledger.Balance(RESIDENT, 50, 0, 50)
    assert await AuditEntry.filter(action="pickup", actor_openid=GRID).count() == 1
    # The chat agrees: used.
    assert "已经使用过了" in await desk.say(GRID, f"核销 {code}")
    assert (await verify()).ok


async def test_the_counter_answers_as_the_chat_does(desk):
    worker = await sign_in(desk.client, GRID)
    assert points_texts.PICKUP_BAD_CODE in await counter_look(worker, "12ab")
    assert "核销码 000000 不存在" in await counter_look(worker, "000000")
    # An expired code.
    soap = await Reward.get(name="环保袋")
    code = await redeem_in_chat(desk, RESIDENT, soap.id)
    clock.advance(timedelta(days=load_rules().pickup_valid_days, minutes=1))
    try:
        assert f"核销码 {code} 已过期" in await counter_look(worker, code)
        token = await worker.csrf("/console/points/counter")
        expired = await worker.post("/console/points/counter", {
            "csrf": token, "once": "expired-form-1", "action": "hand", "code": code})
        assert f"核销码 {code} 已过期" in said(expired)
    finally:
        clock.reset()
    assert (await Redemption.get(code=code)).status == RedemptionStatus.PENDING
    # Staff do not hand out their own redemption.
    await ledger.grant(ADMIN, 50, "测试", key="t:admin:50")
    own = await redeem_in_chat(desk, ADMIN, soap.id)
    admin = await sign_in(desk.client, ADMIN)
    assert points_texts.PICKUP_OWN in await counter_look(admin, own)
    assert (await Redemption.get(code=own)).status == RedemptionStatus.PENDING


async def test_wrong_codes_at_the_counter_are_capped_as_in_chat(desk):
    soap = await Reward.get(name="抽纸 6包")
    code = await redeem_in_chat(desk, RESIDENT, soap.id)
    worker = await sign_in(desk.client, GRID)
    wrong = [f"{n:06d}" for n in range(100000, 100020) if f"{n:06d}" != code][:10]
    for guess in wrong[:9]:
        assert "不存在" in await counter_look(worker, guess)
    # The chat counts with the counter: the tenth wrong code is typed in chat.
    assert "不存在" in await desk.say(GRID, f"核销 {wrong[9]}")
    locked = await counter_look(worker, code)  # even the right code now
    assert "错误次数过多" in locked and 'id="counter-found"' not in locked
    assert "错误次数过多" in await desk.say(GRID, f"核销 {code}")
    # Another member of staff is not locked out.
    admin = await sign_in(desk.client, ADMIN)
    assert 'id="counter-found"' in await counter_look(admin, code)


async def test_redemptions_by_pickup_status(desk):
    towel, bag = await Reward.get(name="抽纸 6包"), await Reward.get(name="环保袋")
    handed = await redeem_in_chat(desk, RESIDENT, towel.id)
    waiting = await redeem_in_chat(desk, RESIDENT, bag.id)
    assert "核销成功" in await desk.say(GRID, f"核销 {handed}")
    worker = await sign_in(desk.client, GRID)
    every = await (await worker.get("/console/points")).text()
    assert every.count('data-status="') == 2 and "周**" in every and "周大妈" not in every
    pending = await (await worker.get("/console/points?status=pending")).text()
    assert pending.count('data-status="pending"') == 1 and 'data-status="picked_up"' not in pending
    assert "环保袋" in pending.split('id="redemptions-table"')[1]
    assert waiting not in pending  # a live code is the resident's proof: not shown
    picked = await (await worker.get("/console/points?status=picked_up")).text()
    table = picked.split('id="redemptions-table"')[1]
    assert 'data-status="picked_up"' in table and handed in table and "王**" in table
    assert "待领取（1）" in picked and "已领取（1）" in picked and "已过期（0）" in picked


async def test_a_persons_points_for_admins_audited(desk):
    soap = await Reward.get(name="环保袋")
    await redeem_in_chat(desk, RESIDENT, soap.id)
    admin = await sign_in(desk.client, ADMIN)
    r = await admin.get(f"/console/points/person?openid={RESIDENT}")
    assert r.status == 200
    body = await r.text()
    assert "周大妈" in body and '<div class="n" id="available">115</div>' in body
    assert "参加社区志愿服务" in body and "垃圾分类宣传活动" in body and "环保袋" in body
    assert await AuditEntry.filter(action="view_private", target=RESIDENT,
                                   actor_openid=ADMIN).count() == 1
    missing = await admin.get("/console/points/person?openid=o-nobody")
    assert missing.status == 404 and points_texts.NO_SUCH_PERSON in await missing.text()
    assert await AuditEntry.filter(action="view_private", target="o-nobody").count() == 0


async def test_the_page_shows_a_broken_ledger(desk):
    admin = await sign_in(desk.client, ADMIN)
    wallet = await Account.get(code=accounts.wallet_code(RESIDENT))
    await Account.filter(id=wallet.id).update(balance=wallet.balance + 1)
    body = await (await admin.get("/console/points")).text()
    assert 'data-ok="0"' in body and "发现 1 个问题" in body and "核验通过" not in body
