"""Subscription notices as WeChat works today: the Official Account's grants come from its
opt-in events and go out by bizsend, the mini-program's by subscribe/send, each to the
person's openid in that app; 43101 falls back and is never retried; long-term grants last."""

from __future__ import annotations

import aiohttp
import pytest

from bot import callbacks, keys
from bot.config import SANDBOX_APPID, SANDBOX_SECRET
from bot.wechat.client import WeChatClient
from bot.wechat.errors import WeChatError
from bot.wechat.retry import RetryPolicy
from handlers import outbox
from handlers.push import grants
from storage.core.models import AppOpenid, OutboxMessage, Person, ProcessedMessage, SubscribeGrant
from tests.support.push import BIZSEND, SUBSCRIBE, TEMPLATE, TPL, content, sent

OA_T, MINI_T = "oa-progress", "mini-progress"
MINI_APPID, MINI_SECRET = "wx0123456789abcdef", "mini-secret"


def _bizsend_values(message: dict) -> dict[str, str]:
    return {k: v["value"] for k, v in message["payload"]["data"].items()}


@pytest.fixture
async def two_apps(make_bot, sandbox):
    """The service with the mini-program as its own app, all progress templates set."""
    sandbox.state.add_app(MINI_APPID, MINI_SECRET)
    sandbox.state.templates.add(TPL)
    sandbox.state.subscribe_templates.update({OA_T, MINI_T})
    return await make_bot(miniapp_appid=MINI_APPID, miniapp_secret=MINI_SECRET,
                          subscribe_template_progress=OA_T, miniapp_subscribe_progress=MINI_T,
                          template_progress=TPL)


def _messenger(bot):
    return bot.client.app[keys.SERVICES].messenger


async def _person_in_both_apps(key: str, mini_openid: str) -> None:
    await Person.create(openid=key, app="oa")
    await AppOpenid.create(app="miniapp", openid=mini_openid, person_openid=key)


async def test_each_grant_goes_by_its_apps_endpoint_to_its_apps_openid(two_apps, sandbox):
    bot, state = two_apps, sandbox.state
    await _person_in_both_apps("o-oa", "o-mini")
    # The Official Account's pop-up (through the webhook) and the mini-program's opt-in.
    assert await bot.send(state.answer_popup("o-oa", {OA_T: "accept"}), "o-oa") is None
    await grants.record_accepted("o-oa", [MINI_T])
    state.grant_subscribe("o-mini", MINI_T)
    for i in range(3):
        await outbox.enqueue("o-oa", f"您反映的问题 A{i} 已受理，网格员正在赶往现场", key=f"k{i}")
        await outbox.deliver_due(_messenger(bot))
    oa, mini = sent(sandbox, "o-oa"), sent(sandbox, "o-mini")
    assert sorted(m["endpoint"] for m in oa) == [BIZSEND, TEMPLATE]
    assert [m["endpoint"] for m in mini] == [SUBSCRIBE]
    notice = next(m for m in oa if m["endpoint"] == BIZSEND)
    assert notice["payload"]["template_id"] == OA_T
    values = _bizsend_values(notice)
    assert set(values) == {"thing1", "phrase2", "thing3", "time4"}
    assert all(len(v) <= 20 for v in values.values()) and len(values["phrase2"]) <= 5
    template = next(m for m in oa if m["endpoint"] == TEMPLATE)
    assert not {"first", "remark"} & set(template["payload"]["data"])
    assert await grants.counts("o-oa") == {MINI_T: 0, OA_T: 0}
    assert {g.template_id: g.app for g in await SubscribeGrant.all()} == {
        OA_T: "oa", MINI_T: "miniapp"}


async def test_no_openid_in_the_grants_app_moves_on(two_apps, sandbox):
    await Person.create(openid="o-only-oa", app="oa")  # never opened the mini-program
    await grants.record_accepted("o-only-oa", [MINI_T])
    await outbox.enqueue("o-only-oa", "进度", key="k1")
    result = await outbox.deliver_due(_messenger(two_apps))
    assert result.channels["template"] == 1 and sandbox.state.calls[SUBSCRIBE] == 0
    assert await grants.remaining("o-only-oa", MINI_T) == 1  # not used: kept


async def test_wechat_refuses_the_wrong_apps_token(sandbox, kv):
    state = sandbox.state
    state.add_app(MINI_APPID, MINI_SECRET)
    state.grant_subscribe("o1", OA_T)
    retry = RetryPolicy(attempts=1, base_delay=0.01)
    async with aiohttp.ClientSession() as http:
        oa = WeChatClient(http, kv, SANDBOX_APPID, SANDBOX_SECRET, sandbox.url, retry=retry)
        mini = WeChatClient(http, kv, MINI_APPID, MINI_SECRET, sandbox.url, retry=retry)
        data = {"thing1": "随手拍 A1"}
        for call in (mini.send_bizsend("o1", OA_T, data), oa.send_subscribe("o1", OA_T, data)):
            with pytest.raises(WeChatError) as refused:
                await call
            assert refused.value.code == 48001
        with pytest.raises(WeChatError) as refused:  # not a template the account picked
            await oa.send_bizsend("o1", "unknown-template", data)
        assert refused.value.code == 40037
        with pytest.raises(WeChatError) as refused:  # a thing is 20 characters at most
            await oa.send_bizsend("o1", OA_T, {"thing1": "一" * 21})
        assert refused.value.code == 47003
        await oa.send_bizsend("o1", OA_T, data, page="https://linli.example.cn/c/A1")
        with pytest.raises(WeChatError) as refused:  # one message per opt-in
            await oa.send_bizsend("o1", OA_T, data)
        assert refused.value.code == 43101
    assert state.calls[BIZSEND] == 5 and len(sent(sandbox, "o1", BIZSEND)) == 1


async def test_43101_falls_back_and_is_never_retried(two_apps, sandbox):
    bot, state = two_apps, sandbox.state
    await bot.send(state.answer_popup("o-r", {OA_T: "accept"}), "o-r")
    state.withdraw_subscribe("o-r", OA_T)  # turned off where our webhook did not hear it
    await outbox.enqueue("o-r", "您反映的问题 A1 已受理", key="k1")
    assert (await outbox.deliver_due(_messenger(bot))).channels["template"] == 1
    assert state.calls[BIZSEND] == 1
    row = await OutboxMessage.get(key="k1")
    assert row.channel == "template" and row.attempts == 1
    assert await grants.remaining("o-r", OA_T) == 0
    await outbox.enqueue("o-r", "您反映的问题 A1 已办结", key="k2")
    await outbox.deliver_due(_messenger(bot))
    assert state.calls[BIZSEND] == 1  # the withdrawn grant is not tried again
    assert [m["endpoint"] for m in sent(sandbox, "o-r")] == [TEMPLATE, TEMPLATE]


async def test_long_term_grant_is_not_used_up_until_withdrawn(make_bot, sandbox):
    state = sandbox.state
    state.templates.add(TPL)
    bot = await make_bot(subscribe_template_progress=OA_T, template_progress=TPL,
                         subscribe_long_term=(OA_T,))
    await bot.send(state.answer_popup("o-lt", {OA_T: "accept"}, long_term=True), "o-lt")
    grant = await SubscribeGrant.get(openid="o-lt")
    assert (grant.app, grant.long_term, grant.remaining) == ("oa", True, 1)
    for i in range(3):
        await outbox.enqueue("o-lt", f"进度{i}", key=f"k{i}")
        await outbox.deliver_due(_messenger(bot))
    assert [m["endpoint"] for m in sent(sandbox, "o-lt")] == [BIZSEND] * 3
    assert [content(m).split()[2] for m in sent(sandbox, "o-lt")] == ["进度0", "进度1", "进度2"]
    assert await grants.remaining("o-lt", OA_T) == 1
    # Turned off in the notice settings: WeChat tells the account, the grant is gone.
    state.withdraw_subscribe("o-lt", OA_T)
    assert await bot.send(callbacks.subscribe_change("o-lt", {OA_T: "reject"}), "o-lt") is None
    grant = await SubscribeGrant.get(openid="o-lt")
    assert (grant.long_term, grant.remaining) == (False, 0)
    await outbox.enqueue("o-lt", "进度3", key="k3")
    await outbox.deliver_due(_messenger(bot))
    assert state.calls[BIZSEND] == 3 and sent(sandbox, "o-lt")[-1]["endpoint"] == TEMPLATE


async def test_opt_in_events_record_and_withdraw_once_each(bot, sandbox):
    state = sandbox.state
    # A pop-up answered by someone we never met: accepted ones recorded, rejected not.
    popup = state.answer_popup("o-new", {OA_T: "accept", "other": "reject"})
    for _ in range(4):  # WeChat's redeliveries
        assert await bot.send(popup, "o-new") is None
    assert await grants.counts("o-new") == {OA_T: 1}
    assert (await SubscribeGrant.get(openid="o-new")).app == "oa"
    assert await ProcessedMessage.filter(openid="o-new").count() == 1
    assert "o-new" not in state.inbound  # no message from them: no customer-service window
    # Another pop-up, even in the same second, is one more grant.
    await bot.send(state.answer_popup("o-new", {OA_T: "accept"}), "o-new")
    assert await grants.remaining("o-new", OA_T) == 2
    # A notice WeChat delivered changes nothing; one the person refused withdraws the grant.
    assert await bot.send(callbacks.subscribe_sent("o-new", OA_T, 0), "o-new") is None
    assert await grants.remaining("o-new", OA_T) == 2
    refused = callbacks.subscribe_sent("o-new", OA_T, 43101)
    assert await bot.send(refused, "o-new") is None
    assert await bot.send(refused, "o-new") is None
    assert await grants.remaining("o-new", OA_T) == 0
    # Withdrawn in the settings.
    await bot.send(callbacks.subscribe_popup("o-new", {OA_T: "accept"}, create_time=1_900_000_009),
                   "o-new")
    assert await grants.remaining("o-new", OA_T) == 1
    await bot.send(callbacks.subscribe_change("o-new", {OA_T: "reject"}), "o-new")
    assert await grants.remaining("o-new", OA_T) == 0


async def test_opt_in_event_in_secure_mode(make_bot, sandbox):
    aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    bot = await make_bot(aes=True, wechat_aes_key=aes_key)
    resp = await bot.post(callbacks.subscribe_popup("o-aes", {OA_T: "accept"}), "o-aes")
    assert resp.status == 200 and await resp.text() == "success"
    assert await grants.remaining("o-aes", OA_T) == 1


@pytest.mark.parametrize("xml", [
    callbacks.subscribe_popup("o-bad", {}),
    callbacks.subscribe_popup("o-bad", {"has space": "accept"}),
    callbacks.subscribe_sent("o-bad", OA_T).replace("<ErrorCode>0</ErrorCode>",
                                                    "<ErrorCode>x</ErrorCode>"),
])
async def test_malformed_opt_in_events_are_refused(bot, xml):
    resp = await bot.post(xml, "o-bad")
    assert resp.status == 400
    assert await SubscribeGrant.all().count() == 0
