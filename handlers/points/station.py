"""The service station in the console (指挥中心 积分): redemptions by pickup status, the
核销 counter's look-up, a person's points, and telling whether a form already added a reward.

Handing out is ``service.hand_out`` (the chat's 核销); the look-up before it counts wrong
codes under the same cap (``guesses.PICKUP``), so looking codes up is no way around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers import guesses
from handlers.masking import mask_name
from handlers.points import texts
from handlers.points.service import (
    STATION_STAFF,
    NotStationStaff,
    PickupLocked,
    PointsRefusal,
    check_pickup,
    pickup_code,
)
from rewards import ledger, redemption
from rewards.errors import CodeExpired, CodeUsed, PickupError, UnknownCode
from rewards.texts import REDEMPTION_STATUS, entry_label
from rewards.values import Balance, EntryView, RedemptionView
from storage import clock
from storage.core.models import Person
from storage.core.models.console import AuditEntry
from storage.kv import KV
from storage.ledger.models import Redemption, RedemptionStatus, Reward

STATUSES = tuple(s.value for s in RedemptionStatus)
MAX_ROWS = 200
REWARD_ADDED = "reward_add"  # the audit action a console form that added a reward leaves


@dataclass(frozen=True)
class RedemptionRow:
    id: int
    reward_id: int
    reward_name: str
    cost: int
    who: str  # masked
    status: str
    status_name: str
    created_at: datetime
    expires_at: datetime
    resolved_at: datetime | None
    code: str  # "" while the code is live: it is the resident's proof at the counter
    handed_out_by: str


@dataclass(frozen=True)
class AtCounter:
    """What the clerk sees before handing out: who (masked) and what."""

    code: str
    reward_name: str
    cost: int
    place: str
    who: str
    expires_at: datetime


@dataclass(frozen=True)
class PersonPoints:
    openid: str
    person: Person | None
    balance: Balance
    entries: list[tuple[EntryView, str]]  # with the entry's label
    redemptions: list[RedemptionView]


async def status_counts() -> dict[str, int]:
    return {s: await Redemption.filter(status=s).count() for s in STATUSES}


async def redemptions(status: str = "", limit: int = MAX_ROWS) -> list[RedemptionRow]:
    """The newest redemptions, of one pickup status or all."""
    query = Redemption.all()
    if status in STATUSES:
        query = query.filter(status=status)
    rows = await query.order_by("-id").limit(limit)
    rewards = {r.id: r for r in await Reward.filter(id__in={r.reward_id for r in rows})}
    openids = {r.openid for r in rows} | {r.picked_up_by for r in rows if r.picked_up_by}
    people = {p.openid: p for p in await Person.filter(openid__in=sorted(openids))}

    def name(openid: str | None) -> str:
        person = people.get(openid or "")
        return mask_name(person.name if person else "")

    return [RedemptionRow(
        id=r.id, reward_id=r.reward_id, reward_name=rewards[r.reward_id].name, cost=r.cost,
        who=name(r.openid), status=str(r.status),
        status_name=REDEMPTION_STATUS.get(str(r.status), str(r.status)),
        created_at=r.created_at, expires_at=r.expires_at, resolved_at=r.resolved_at,
        code="" if r.status == RedemptionStatus.PENDING else r.code,
        handed_out_by=name(r.picked_up_by) if r.picked_up_by else "") for r in rows]


async def look_up(code: str, staff: Person, kv: KV) -> AtCounter:
    """The pending redemption of ``code`` as the counter shows it. Refuses as 核销 does
    (BadCode, NotStationStaff, OwnRedemption, PickupLocked; the ledger's UnknownCode,
    CodeExpired, CodeUsed); an unknown code counts as a wrong guess."""
    code = pickup_code(code)
    if staff.role not in STATION_STAFF:
        raise NotStationStaff(texts.PICKUP_NOT_STAFF)
    try:
        async with guesses.attempt(kv, staff.openid, guesses.PICKUP) as guess:
            await check_pickup(code, staff)
            found = await redemption.find_by_code(code)
            if found is None or found.expires_at <= clock.now():
                why = await _why_not(code)
                guess.wrong = isinstance(why, UnknownCode)
                raise why
    except guesses.Locked as locked:
        raise PickupLocked(locked.retry_after) from None
    return AtCounter(code=code, reward_name=found.reward_name, cost=found.cost,
                     place=found.pickup_place, who=await masked_name(found.openid),
                     expires_at=found.expires_at)


async def masked_name(openid: str) -> str:
    person = await Person.get_or_none(openid=openid)
    return mask_name(person.name if person else "")


async def _why_not(code: str) -> PickupError:
    """Why ``code`` cannot be handed out now (the ledger's answers to ``pickup``)."""
    last = await Redemption.filter(code=code).order_by("-id").first()
    if last is None:
        return UnknownCode(f"no pickup code {code}", code=code)
    if last.status == RedemptionStatus.PICKED_UP:
        return CodeUsed(f"pickup code {code} was used", code=code)
    if last.status == RedemptionStatus.EXPIRED or last.expires_at <= clock.now():
        return CodeExpired(f"pickup code {code} expired", code=code)
    return UnknownCode(f"no pickup code {code}", code=code)


async def person_points(openid: str, limit: int = 50) -> PersonPoints:
    """A person's balance, latest entries and redemptions; PointsRefusal if neither the
    person nor a wallet exists."""
    openid = openid.strip()[:64]
    person = await Person.get_or_none(openid=openid) if openid else None
    bal = await ledger.balance(openid) if openid else Balance(openid, 0, 0, 0)
    entries = await ledger.entries(openid, limit=limit) if openid else []
    if person is None and not entries:
        raise PointsRefusal(texts.NO_SUCH_PERSON)
    mine = await redemption.my_redemptions(openid, limit=limit)
    return PersonPoints(openid, person, bal, [(e, entry_label(e.kind, e.rule)) for e in entries],
                        mine)


def form_mark(key: str) -> str:
    """How an audit entry names the form that added a reward (its ``detail`` starts so)."""
    return f"form={key};"


async def reward_added_by(key: str) -> int | None:
    """The reward a console form (by its key) already added, if it did: a replayed form
    adds nothing, even after its one-time Redis key is gone."""
    entry = await AuditEntry.filter(action=REWARD_ADDED,
                                    detail__startswith=form_mark(key)).first()
    if entry is None:
        return None
    number = entry.target.removeprefix("reward:")
    return int(number) if number.isdigit() else 0
