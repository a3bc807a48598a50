"""Plain values the rewards package returns: no ORM objects leak to callers.

Transfers and ledger entries, balances, award results, catalogue rewards, redemptions,
expiry results and the ledger check's report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class TransferView:
    id: int
    key: str
    kind: str
    debit: str  # account code
    credit: str
    amount: int
    status: str  # pending | posted | voided
    reason: str
    rule: str | None
    created_at: datetime
    replayed: bool = False  # True: the key was seen before, this is the original result


@dataclass(frozen=True)
class Balance:
    openid: str
    balance: int  # posted points
    reserved: int  # held by pending redemptions
    available: int  # balance - reserved: what can be spent now


@dataclass(frozen=True)
class EntryView:
    seq: int
    amount: int  # + credit, - debit
    kind: str
    rule: str | None
    reason: str
    transfer_key: str
    created_at: datetime


@dataclass(frozen=True)
class AwardResult:
    key: str
    rule: str
    openid: str
    subject: str
    amount: int  # points actually awarded (0 when capped to nothing or ruled out)
    outcome: str  # awarded | capped | no_points
    detail: str  # which cap or which fact, "" when awarded in full
    transfer_id: int | None
    replayed: bool = False


@dataclass(frozen=True)
class RewardView:
    id: int  # the number residents type: 兑换 3
    name: str
    cost: int
    stock: int  # units that can still be reserved
    per_person_limit: int | None
    available_from: datetime | None
    available_until: datetime | None
    pickup_place: str
    enabled: bool
    available_now: bool


@dataclass(frozen=True)
class RedemptionView:
    id: int
    key: str
    openid: str
    reward_id: int
    reward_name: str
    cost: int
    code: str
    status: str  # pending | picked_up | expired
    created_at: datetime
    expires_at: datetime
    resolved_at: datetime | None
    picked_up_by: str | None
    pickup_place: str
    replayed: bool = False


@dataclass(frozen=True)
class ExpiredPoints:
    openid: str
    amount: int
    transfer_id: int


@dataclass(frozen=True)
class ExpiryReminder:
    openid: str
    amount: int
    expires_at: datetime  # the instant the points expire (Asia/Shanghai midnight, as UTC)


@dataclass(frozen=True)
class Problem:
    kind: str  # balance | reserved | negative | transfer | chain | redemption
    subject: str
    detail: str


@dataclass
class VerifyReport:
    accounts: int = 0
    transfers: int = 0
    entries: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems
