"""Guessing six-digit codes: wrong pickup codes (核销) per staff member, in chat and the API
alike, and wrong binding codes (绑定) per person and across the whole service."""

from __future__ import annotations

import asyncio
import logging

from bot.logs import hash_openid
from bot.metrics import REGISTRY
from handlers.staff import create_invite
from rewards import catalogue, ledger
from storage.core.models import Person, Role, StaffInvite
from storage.ledger.models import Redemption, RedemptionStatus
from tests.support.api import PREFIX

PLACE = "繁荣社区服务站"
RES = "o-guess-res"
STAFF = "o-guess-staff"
WRONG_PICKUPS = 10  # per staff member per hour (handlers.guesses.PICKUP)
WRONG_BINDS_PERSON = 5  # per person per hour (handlers.guesses.BIND_PERSON)
WRONG_BINDS_ALL = 30  # across everyone per 10 minutes (handlers.guesses.BIND_GLOBAL)
LOCKED = "错误次数过多"


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def pending_code(openid: str = RES) -> str:
    """A pending redemption's pickup code, made through the ledger."""
    from rewards import redemption

    await ledger.grant(openid, 100, "参加社区志愿服务", key=f"t:{openid}")
    soap = await catalogue.add_reward("洗衣液", 30, 5, pickup_place=PLACE)
    return (await redemption.redeem(openid, soap.id, f"t:{openid}:redeem")).code


def wrong(code: str, i: int) -> str:
    """The i-th six-digit code that is not ``code``."""
    guess = f"{i:06d}"
    return guess if guess != code else f"{999_999 - i:06d}"


# -- 核销: wrong pickup codes ---------------------------------------------------------------------


async def test_wrong_pickup_codes_lock_the_staff_member_out_in_chat(bot, caplog):
    await Person.create(openid=STAFF, role=Role.GRID_WORKER, name="王梦苏")
    await Person.create(openid="o-guess-other", role=Role.ADMIN, name="张丽")
    code = await pending_code()
    trips = metric("linli_code_lockouts_total", kind="pickup")
    caplog.set_level(logging.WARNING)
    for i in range(WRONG_PICKUPS):
        assert "不存在" in await bot.say(STAFF, f"核销 {wrong(code, i)}")
    # The cap is reached: even the right code is refused now, and nothing is handed out.
    reply = await bot.say(STAFF, f"核销 {code}")
    assert LOCKED in reply and "核销成功" not in reply, reply
    assert (await Redemption.get()).status == RedemptionStatus.PENDING
    assert LOCKED in await bot.say(STAFF, f"核销 {wrong(code, 99)}")
    # An alert: one warning naming the staff member by their hash only, and the counter.
    assert [r for r in caplog.records if r.levelno == logging.WARNING], caplog.text
    assert hash_openid(STAFF) in caplog.text and STAFF not in caplog.text
    assert metric("linli_code_lockouts_total", kind="pickup") == trips + 1
    # Another member of staff is not locked out.
    assert "核销成功" in await bot.say("o-guess-other", f"核销 {code}")


async def test_codes_that_exist_do_not_count_as_wrong(bot, monkeypatch):
    await Person.create(openid=STAFF, role=Role.GRID_WORKER, name="王梦苏")
    code = await pending_code()
    assert "核销成功" in await bot.say(STAFF, f"核销 {code}")
    for _ in range(WRONG_PICKUPS + 2):  # a used code is a typo of staff, not a guess
        assert "已经使用过了" in await bot.say(STAFF, f"核销 {code}")
    for i in range(WRONG_PICKUPS - 1):
        assert "不存在" in await bot.say(STAFF, f"核销 {wrong(code, i)}")
    assert "已经使用过了" in await bot.say(STAFF, f"核销 {code}")
    assert "不存在" in await bot.say(STAFF, f"核销 {wrong(code, 50)}")
    assert LOCKED in await bot.say(STAFF, f"核销 {code}")


async def test_the_api_shares_the_cap_and_answers_429(make_bot, api_for):
    bot = await make_bot(api_rate_person=100_000)  # the request rate limit is not under test
    api = api_for(bot)
    code = await pending_code()
    staff = await api.login(STAFF, role=Role.ADMIN, name="张丽")
    half = WRONG_PICKUPS // 2
    for i in range(half):  # wrong codes in chat ...
        assert "不存在" in await bot.say(STAFF, f"核销 {wrong(code, i)}")
    for i in range(half, WRONG_PICKUPS):  # ... and in the API count together
        status, body = await staff.post("/redemptions/pickup", json={"code": wrong(code, i)})
        assert status == 404 and body["error"]["code"] == "unknown_code"
    resp = await bot.client.post(PREFIX + "/redemptions/pickup", json={"code": code},
                                 headers=staff.headers())
    assert resp.status == 429
    body = await resp.json()
    assert body["error"]["code"] == "too_many_wrong_codes"
    assert LOCKED in body["error"]["message"]
    assert 0 < int(resp.headers["Retry-After"]) <= 3600
    assert (await Redemption.get()).status == RedemptionStatus.PENDING
    assert LOCKED in await bot.say(STAFF, f"核销 {code}")


async def test_concurrent_wrong_codes_in_the_api_cannot_overshoot_the_cap(make_bot, api_for):
    bot = await make_bot(api_rate_person=100_000)
    api = api_for(bot)
    code = await pending_code()
    staff = await api.login(STAFF, role=Role.GRID_WORKER, grid="G01")
    tries = 3 * WRONG_PICKUPS
    answers = await asyncio.gather(*(
        staff.post("/redemptions/pickup", json={"code": wrong(code, i)}) for i in range(tries)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [404] * WRONG_PICKUPS + [429] * (tries - WRONG_PICKUPS)


# -- 绑定: wrong binding codes --------------------------------------------------------------------


async def test_wrong_binding_codes_are_capped_across_everyone(bot, monkeypatch, caplog):
    monkeypatch.setattr("handlers.staff.secrets.randbelow", lambda n: 999999)
    await create_invite(Role.ADMIN, "张丽")
    trips = metric("linli_code_lockouts_total", kind="bind_global")
    caplog.set_level(logging.WARNING)
    # Fresh accounts, each far below its own limit, guessing at once.
    tries = WRONG_BINDS_ALL + 10
    replies = await asyncio.gather(*(
        bot.say(f"o-fresh-{i}", f"绑定 {i:06d}") for i in range(tries)))
    assert sum("不正确" in r for r in replies) == WRONG_BINDS_ALL, replies
    busy = [r for r in replies if "不正确" not in r]
    assert len(busy) == tries - WRONG_BINDS_ALL and all("稍后再试" in r for r in busy), busy
    # For the rest of the window every binding is refused alike: the right code is neither
    # used nor disclosed.
    reply = await bot.say("o-lucky", "绑定 999999")
    assert "稍后再试" in reply and "绑定成功" not in reply
    assert reply == busy[0]
    assert (await Person.get(openid="o-lucky")).role is Role.RESIDENT
    assert (await StaffInvite.get()).used_at is None
    assert metric("linli_code_lockouts_total", kind="bind_global") == trips + 1
    assert "o-fresh-" not in caplog.text and "o-lucky" not in caplog.text
    assert "live invitation" in caplog.text  # the operators hear which one to reissue
    assert [r for r in caplog.records if r.levelno == logging.WARNING], caplog.text


async def test_each_persons_wrong_codes_count_toward_the_global_cap(bot):
    await create_invite(Role.ADMIN, "张丽")
    for i in range(WRONG_BINDS_PERSON):
        assert "不正确" in await bot.say("o-one", f"绑定 {i:06d}")
    assert "尝试次数过多" in await bot.say("o-one", "绑定 000100")  # refused: not counted
    rest = WRONG_BINDS_ALL - WRONG_BINDS_PERSON
    replies = await asyncio.gather(*(
        bot.say(f"o-many-{i}", f"绑定 {i + 200:06d}") for i in range(rest)))
    assert all("不正确" in r for r in replies)
    assert "稍后再试" in await bot.say("o-two", "绑定 000300")


async def test_used_codes_do_not_count(bot):
    code = await create_invite(Role.ADMIN, "张丽")
    assert "绑定成功" in await bot.say("o-first", f"绑定 {code}")
    for _ in range(WRONG_BINDS_PERSON + 1):
        assert "已被使用" in await bot.say("o-second", f"绑定 {code}")
