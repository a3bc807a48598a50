"""积分, 兑换 [编号] → 确认, 我的兑换, 核销 <核销码>: the points ledger in chat.

Reading is plain calls into ``rewards``; each write (a reservation, a pickup) is the
message's one effect: ``ctx.effect()`` wraps it, and the ledger's idempotency key is derived
from the message, so a repeat delivery can never reserve or hand out twice. Ledger refusals
are ``RewardsError``s, worded once by ``rewards.texts.error_text``. Redeeming and handing out
are ``handlers.points.service`` functions, which the API (``bot/api/routes/points.py``) calls
too.
"""

from __future__ import annotations

import hashlib
import re

from handlers.context import Context
from handlers.flows import Flow, Step, command, done, goto
from handlers.inbound import Kind
from handlers.normalize import normalize
from handlers.points import render, service, texts
from handlers.points.service import STATION_STAFF, PointsRefusal
from rewards import catalogue, ledger, redemption
from rewards.errors import (
    InsufficientPoints,
    NotAvailable,
    OutOfStock,
    OverLimit,
    RewardsError,
    UnknownReward,
)
from rewards.texts import error_text
from rewards.values import Balance, RewardView

ACTIVE = ("pending", "picked_up")  # what counts against a per-person limit (as in rewards)
MAX_ID_DIGITS = 9  # reward ids are 32-bit integers
_NUMBER = re.compile(r"(?:第|#|no\.?)?\s*(\d+)\s*(?:号|个|件)?", re.IGNORECASE)
_YES = frozenset(w.lower() for w in texts.YES_WORDS)


def reward_number(arg: str) -> int | None:
    """``3``, ``３``, ``3号``, ``第3个``, ``#3`` -> 3; anything else -> None."""
    match = _NUMBER.fullmatch(normalize(arg))
    return int(match.group(1)) if match else None


def redemption_key(dedup_key: str) -> str:
    """The ledger's idempotency key for the reservation one message asks for."""
    if len(dedup_key) > 100:
        dedup_key = hashlib.sha256(dedup_key.encode()).hexdigest()[:40]
    return f"chat-redeem:{dedup_key}"


# -- 积分 ---------------------------------------------------------------------------------------


async def show_points(ctx: Context) -> Step:
    openid = ctx.person.openid
    bal = await ledger.balance(openid)
    entries = await ledger.entries(openid, limit=render.MAX_ENTRIES)
    return done(render.balance(bal, entries))


# -- 兑换 [编号] → 确认 --------------------------------------------------------------------------


async def redeem_start(ctx: Context) -> Step:
    if not ctx.arg:
        return done(await _catalogue(ctx.person.openid))
    number = reward_number(ctx.arg)
    if number is None:
        return done(texts.BAD_NUMBER)
    try:
        reward, bal = await _check(ctx.person.openid, number)
    except RewardsError as exc:
        return done(error_text(exc))
    ctx.data["reward"] = reward.id
    return goto("confirm", texts.ASK_CONFIRM.format(
        name=reward.name, cost=reward.cost, available=bal.available,
        after=bal.available - reward.cost, place=reward.pickup_place))


async def confirm(ctx: Context) -> Step | None:
    if ctx.msg.kind is not Kind.TEXT or normalize(ctx.text).lower() not in _YES:
        return None  # the engine tries other commands, then asks again
    reward_id = ctx.data.get("reward")
    if not isinstance(reward_id, int):
        return done(texts.BAD_NUMBER)
    try:
        async with ctx.effect() as record:
            out = await service.redeem(ctx.person, reward_id, redemption_key(ctx.msg.dedup_key))
            r = out.redemption
            record.reply = texts.REDEEMED.format(
                name=r.reward_name, cost=r.cost, code=r.code, until=render.when(r.expires_at),
                place=r.pickup_place, available=out.balance.available)
    except RewardsError as exc:
        return done(error_text(exc) + texts.NOT_REDEEMED)
    return done(record.reply)


async def _catalogue(openid: str) -> str:
    offered = [r for r in await catalogue.list_rewards() if r.stock > 0]
    return render.catalogue(offered, (await ledger.balance(openid)).available)


async def _check(openid: str, number: int) -> tuple[RewardView, Balance]:
    """Refuse early, in the ledger's order, what ``redeem`` would refuse now. The ledger
    decides again at 确认: stock or points may have gone in between."""
    if len(str(number)) > MAX_ID_DIGITS:
        raise UnknownReward(reward_id=number)
    reward = await catalogue.get_reward(number)
    if not reward.available_now:
        raise NotAvailable(reward_id=reward.id)
    if reward.stock < 1:
        raise OutOfStock(reward_id=reward.id)
    bal = await ledger.balance(openid)
    if bal.available < reward.cost:
        raise InsufficientPoints(needed=reward.cost, available=max(bal.available, 0))
    if reward.per_person_limit is not None:
        mine = await redemption.my_redemptions(openid, limit=500)
        held = [r for r in mine if r.reward_id == reward.id and r.status in ACTIVE]
        if len(held) >= reward.per_person_limit:
            raise OverLimit(limit=reward.per_person_limit)
    return reward, bal


# -- 我的兑换 -------------------------------------------------------------------------------------


async def my_redemptions(ctx: Context) -> Step:
    found = await redemption.my_redemptions(ctx.person.openid, limit=render.MAX_REDEMPTIONS)
    return done(render.mine(found))


# -- 核销 123456 ----------------------------------------------------------------------------------


async def pickup(ctx: Context) -> Step:
    try:  # a malformed code is no guess: refused before anything is counted
        code = service.pickup_code(ctx.arg)
    except PointsRefusal as exc:
        return done(exc.reply)
    try:  # a refusal inside the effect rolls it back: nothing changes
        async with ctx.effect() as record:
            out = await service.hand_out(code, ctx.person, ctx.kv)
            r = out.redemption
            record.reply = texts.PICKUP_OK.format(
                name=r.reward_name, cost=r.cost, code=r.code, who=out.who)
    except PointsRefusal as exc:
        return done(exc.reply)
    except RewardsError as exc:
        return done(error_text(exc))
    return done(record.reply)


FLOWS = [
    command("points_balance", show_points, "积分", "我的积分", "查积分", clicks=("POINTS",)),
    Flow(
        "points_redeem",
        redeem_start,
        steps={"confirm": confirm},
        keywords=("兑换", "积分兑换"),
        clicks=("REDEEM",),
        arg="optional",
        prompts={"confirm": texts.CONFIRM_PROMPT},
        timeout=10 * 60,  # a confirmation older than this shows a stale balance and stock
    ),
    command("points_mine", my_redemptions, "我的兑换", clicks=("MY_REDEMPTIONS",)),
    command("points_pickup", pickup, "核销", arg="required",
            arg_hint=("六位核销码", "核销 123456"), roles=STATION_STAFF),
]
