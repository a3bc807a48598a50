"""Request and response models of the points, rewards and subscription operations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from bot.api.pagination import Page
from bot.api.schemas import Input, iso
from rewards import texts as rewards_texts
from rewards.values import Balance, EntryView, RedemptionView, RewardView

MAX_TEMPLATES = 20  # template ids in one POST /subscriptions


class PointsBalance(BaseModel):
    balance: int = Field(description="已入账的积分（含预留）")
    reserved: int = Field(description="待领取的兑换预留的积分")
    available: int = Field(description="现在可用的积分 = balance - reserved")

    @classmethod
    def of(cls, bal: Balance) -> PointsBalance:
        return cls(balance=bal.balance, reserved=bal.reserved, available=bal.available)


class PointsEntry(BaseModel):
    id: int = Field(description="流水序号（越新越大）")
    amount: int = Field(description="正数为获得，负数为使用")
    kind: str = Field(description="award | grant | spend | redeem | reversal | expiry")
    rule: str | None = Field(description="获得积分的规则（award）")
    label: str = Field(description="给人看的名称，如「完成微心愿」")
    reason: str = Field(description="附注（如案件号、礼品名）")
    created_at: datetime

    @classmethod
    def of(cls, entry: EntryView) -> PointsEntry:
        return cls(id=entry.seq, amount=entry.amount, kind=entry.kind, rule=entry.rule,
                   label=rewards_texts.entry_label(entry.kind, entry.rule),
                   reason=entry.reason, created_at=iso(entry.created_at))


class PointsEntryPage(Page[PointsEntry]):
    pass


class RewardCard(BaseModel):
    id: int = Field(description="礼品编号：POST /rewards/{id}/redeem")
    name: str
    cost: int = Field(description="所需积分")
    stock: int = Field(description="还能兑换的件数（0：已兑完）")
    per_person_limit: int | None = Field(description="每人最多兑换几件；null：不限")
    available_from: datetime | None
    available_until: datetime | None
    pickup_place: str
    redeemable: bool = Field(description="现在可以兑换（在兑换期内且有库存）")

    @classmethod
    def of(cls, reward: RewardView) -> RewardCard:
        return cls(id=reward.id, name=reward.name, cost=reward.cost, stock=reward.stock,
                   per_person_limit=reward.per_person_limit,
                   available_from=iso(reward.available_from),
                   available_until=iso(reward.available_until),
                   pickup_place=reward.pickup_place,
                   redeemable=reward.available_now and reward.stock > 0)


class RewardPage(Page[RewardCard]):
    pass


class RedemptionCard(BaseModel):
    id: int
    reward_id: int
    reward_name: str
    cost: int = Field(description="预留（领取后扣除）的积分")
    code: str = Field(description="六位核销码：到领取地点出示")
    status: str = Field(description="pending（待领取）| picked_up（已领取）| expired（已过期）")
    status_text: str = Field(description="状态的中文说明")
    created_at: datetime
    expires_at: datetime = Field(description="在此之前领取，逾期自动取消并退回积分")
    resolved_at: datetime | None = Field(description="领取或过期的时间")
    pickup_place: str

    @classmethod
    def of(cls, r: RedemptionView) -> RedemptionCard:
        return cls(id=r.id, reward_id=r.reward_id, reward_name=r.reward_name, cost=r.cost,
                   code=r.code, status=r.status,
                   status_text=rewards_texts.REDEMPTION_STATUS.get(r.status, r.status),
                   created_at=iso(r.created_at), expires_at=iso(r.expires_at),
                   resolved_at=iso(r.resolved_at), pickup_place=r.pickup_place)


class RedemptionPage(Page[RedemptionCard]):
    pass


class RedeemOut(BaseModel):
    redemption: RedemptionCard
    balance: PointsBalance = Field(description="兑换后的积分")


class PickupIn(Input):
    code: str = Field(min_length=1, max_length=32, description="居民出示的六位核销码")


class PickupOut(BaseModel):
    redemption: RedemptionCard
    resident_name: str = Field(description="兑换人，核对后把礼品交给他")


TemplateId = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                              pattern=r"^[\x21-\x7e]+$")]


class SubscriptionsIn(Input):
    accepted: list[TemplateId] = Field(
        default_factory=list, max_length=MAX_TEMPLATES,
        description="wx.requestSubscribeMessage 中用户同意（accept）的模板 id")
    rejected: list[TemplateId] = Field(
        default_factory=list, max_length=MAX_TEMPLATES,
        description="用户拒绝（reject/ban）的模板 id：不计数")

    @model_validator(mode="after")
    def _consistent(self) -> SubscriptionsIn:
        if len(self.accepted) + len(self.rejected) > MAX_TEMPLATES:
            raise ValueError(f"at most {MAX_TEMPLATES} template ids per call")
        if set(self.accepted) & set(self.rejected):
            raise ValueError("a template id is both accepted and rejected")
        return self


class SubscriptionCount(BaseModel):
    template_id: str
    remaining: int = Field(description="还能发送的一次性订阅消息条数")


class SubscriptionsOut(BaseModel):
    items: list[SubscriptionCount]

    @classmethod
    def of(cls, found: dict[str, int]) -> SubscriptionsOut:
        return cls(items=[SubscriptionCount(template_id=t, remaining=n)
                          for t, n in found.items()])
