"""积分兑换 in the mini-program: my points, the rewards, redeeming, 核销, subscribe grants.

The same use cases as the chat (``handlers.points.flows``): reading is plain calls into
``rewards``; redeeming and handing out go through ``handlers.points.service`` inside the
request's idempotent transaction, with the ledger's idempotency key taken from the
request's ``Idempotency-Key``, so a retried POST never reserves or hands out twice. In chat
a redemption is 兑换 N then 确认; here the one POST is the confirmation.
"""

from __future__ import annotations

import re

from bot import keys
from bot.api import texts as api_texts
from bot.api.errors import ApiError
from bot.api.operations import Call, Routes
from bot.api.pagination import PageQuery, cursor_id, page
from bot.api.routes.points_models import (
    PickupIn,
    PickupOut,
    PointsBalance,
    PointsEntry,
    PointsEntryPage,
    RedeemOut,
    RedemptionCard,
    RedemptionPage,
    RewardCard,
    RewardPage,
    SubscriptionsIn,
    SubscriptionsOut,
)
from handlers.points import service
from handlers.points.service import STATION_STAFF
from handlers.push import grants
from rewards import catalogue, ledger, redemption

routes = Routes("points")

_REWARD_ID = re.compile(r"[1-9][0-9]{0,8}")  # reward ids are 32-bit integers
@routes.get("/points", response=PointsBalance, summary="我的积分")
async def points_balance(call: Call) -> PointsBalance:
    return PointsBalance.of(await ledger.balance(call.me.openid))


@routes.get("/points/entries", query=PageQuery, response=PointsEntryPage,
            summary="我的积分流水（新的在前）")
async def points_entries(call: Call) -> PointsEntryPage:
    limit = call.query.limit
    rows = await ledger.entries(call.me.openid, limit=limit + 1, before=cursor_id(call.query))
    items, cursor = page(rows, limit, PointsEntry.of, key=lambda e: e.seq)
    return PointsEntryPage(items=items, next_cursor=cursor)


@routes.get("/rewards", query=PageQuery, response=RewardPage,
            summary="可兑换的礼品（按编号；已兑完的 stock 为 0）")
async def rewards_catalogue(call: Call) -> RewardPage:
    after = cursor_id(call.query)
    offered = [r for r in await catalogue.list_rewards() if after is None or r.id > after]
    items, cursor = page(offered[: call.query.limit + 1], call.query.limit, RewardCard.of)
    return RewardPage(items=items, next_cursor=cursor)


@routes.post("/rewards/{id}/redeem", response=RedeemOut, status=201, idempotent=True,
             errors=(404, 409),
             summary="兑换一件礼品：预留积分，返回六位核销码及有效期",
             description="相当于聊天里的「兑换 N」→「确认」。积分不足（insufficient_points）、"
                         "已兑完（out_of_stock）、不在兑换期（not_available）、超过每人限额"
                         "（over_limit）时为 409，积分不变。")
async def rewards_redeem(call: Call) -> RedeemOut:
    raw = call.params["id"]
    if not _REWARD_ID.fullmatch(raw):
        raise ApiError(404, "unknown_reward", api_texts.UNKNOWN_REWARD)
    done = await service.redeem(call.me, int(raw), call.idempotency_key)
    return RedeemOut(redemption=RedemptionCard.of(done.redemption),
                     balance=PointsBalance.of(done.balance))


@routes.get("/redemptions", query=PageQuery, response=RedemptionPage,
            summary="我的兑换（新的在前），含核销码")
async def redemptions_mine(call: Call) -> RedemptionPage:
    limit = call.query.limit
    rows = await redemption.my_redemptions(call.me.openid, limit=limit + 1,
                                           before=cursor_id(call.query))
    items, cursor = page(rows, limit, RedemptionCard.of)
    return RedemptionPage(items=items, next_cursor=cursor)


@routes.post("/redemptions/pickup", body=PickupIn, response=PickupOut, idempotent=True,
             roles=STATION_STAFF, errors=(404, 409, 422),
             summary="核销：服务站工作人员（网格员、管理员）凭核销码发放礼品",
             description="预留的积分正式扣除，居民收到领取通知。不能核销自己的兑换（403）；"
                         "核销码不存在 404，已使用（code_used）或已过期（code_expired）409。"
                         "同一工作人员每小时错误的核销码（不存在的）达到上限后，核销暂停到该小时结束："
                         "429 too_many_wrong_codes，附 Retry-After（与聊天里的「核销」共用计数）。")
async def redemptions_pickup(call: Call) -> PickupOut:
    out = await service.hand_out(call.body.code, call.me, call.kv)
    return PickupOut(redemption=RedemptionCard.of(out.redemption), resident_name=out.who)


@routes.post("/subscriptions", body=SubscriptionsIn, response=SubscriptionsOut,
             idempotent=True,
             summary="记录 wx.requestSubscribeMessage 的结果（一次性订阅：每次同意可多发一条）",
             description="同一个 Idempotency-Key 重复提交只计一次。返回所提到的模板各自剩余的条数。")
async def subscriptions_record(call: Call) -> SubscriptionsOut:
    body: SubscriptionsIn = call.body
    await grants.record_accepted(call.me.openid, body.accepted,
                                 long_term=call.request.config_dict[keys.SETTINGS]
                                 .subscribe_long_term)
    return SubscriptionsOut.of(await grants.counts(call.me.openid,
                                                   [*body.accepted, *body.rejected]))


@routes.get("/subscriptions", response=SubscriptionsOut, summary="我的一次性订阅：每个模板剩余条数")
async def subscriptions_mine(call: Call) -> SubscriptionsOut:
    return SubscriptionsOut.of(await grants.counts(call.me.openid))
