"""积分兑换 use cases as plain functions: the chat (``flows``) and the API call the same ones.

Each takes plain values and a ``Person`` and returns plain values (``rewards.values``).
Ledger refusals are ``RewardsError``s (worded by ``rewards.texts.error_text``); the refusals
of this package are ``PointsRefusal``s carrying the chat's Chinese reply. The writes (``redeem``, ``hand_out``)
run inside the caller's transaction: a chat message's ``ctx.effect()``, or the API request's
idempotent transaction; the ledger's own idempotency ``key`` comes from that message or
request, so a repeat never reserves or hands out twice.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from handlers import guesses, outbox
from handlers.errors import Refusal
from handlers.normalize import normalize
from handlers.points import texts
from rewards import ledger, redemption
from rewards.errors import UnknownCode
from rewards.values import Balance, RedemptionView
from storage.core.models import Person, Role
from storage.kv import KV

# Who hands out rewards at the community service station. Property managers and district
# departments do not work there; residents must never confirm their own pickup.
STATION_STAFF = frozenset({Role.ADMIN, Role.GRID_WORKER})
_CODE = re.compile(r"\d{6}")


class PointsRefusal(Refusal):
    code = "points_refused"


class BadCode(PointsRefusal):
    code = "bad_input"


class NotStationStaff(PointsRefusal):
    code = "not_allowed"


class OwnRedemption(PointsRefusal):
    code = "not_allowed"


class PickupLocked(PointsRefusal):
    """Too many wrong pickup codes from this member of staff (``guesses.PICKUP``)."""

    code = "too_many_wrong_codes"

    def __init__(self, retry_after: int) -> None:
        super().__init__(texts.PICKUP_LOCKED.format(minutes=math.ceil(retry_after / 60)))
        self.retry_after = retry_after


@dataclass(frozen=True)
class Redeemed:
    redemption: RedemptionView
    balance: Balance  # after the reservation


@dataclass(frozen=True)
class HandedOut:
    redemption: RedemptionView
    who: str  # the resident's name as staff see it


async def redeem(person: Person, reward_id: int, key: str) -> Redeemed:
    """Reserve one unit of ``reward_id`` and its cost in points; the pickup code is in the
    redemption. Raises the ledger's UnknownReward, NotAvailable, OutOfStock,
    InsufficientPoints, OverLimit (nothing is reserved then)."""
    r = await redemption.redeem(person.openid, reward_id, key)
    return Redeemed(r, await ledger.balance(person.openid))


def pickup_code(text: str) -> str:
    """What staff typed (``１２３４５６``, ``123 456``) as a code; BadCode if it is none."""
    code = normalize(text or "").replace(" ", "")
    if not _CODE.fullmatch(code):
        raise BadCode(texts.PICKUP_BAD_CODE)
    return code


async def check_pickup(code: str, staff: Person) -> None:
    """Refuse early what ``hand_out`` must not do: a person who does not work at the station,
    or staff handing out their own redemption."""
    if staff.role not in STATION_STAFF:
        raise NotStationStaff(texts.PICKUP_NOT_STAFF)
    found = await redemption.find_by_code(code)
    if found is not None and found.openid == staff.openid:
        raise OwnRedemption(texts.PICKUP_OWN)


async def hand_out(code: str, staff: Person, kv: KV) -> HandedOut:
    """核销: post the reservation of ``code`` and tell the resident (through the outbox, in
    the caller's transaction). Raises the refusals of ``check_pickup``, the ledger's
    UnknownCode, CodeExpired, CodeUsed, and PickupLocked once ``staff`` typed too many
    unknown codes (``guesses.PICKUP``: counted here, for the chat and the API alike)."""
    code = pickup_code(code)
    if staff.role not in STATION_STAFF:
        raise NotStationStaff(texts.PICKUP_NOT_STAFF)
    try:
        async with guesses.attempt(kv, staff.openid, guesses.PICKUP) as guess:
            await check_pickup(code, staff)
            try:
                r = await redemption.pickup(code, staff.openid)
            except UnknownCode:
                guess.wrong = True
                raise
    except guesses.Locked as locked:
        raise PickupLocked(locked.retry_after) from None
    notice = texts.N_PICKED_UP.format(
        name=r.reward_name, place=r.pickup_place, code=r.code, cost=r.cost)
    await outbox.enqueue(r.openid, notice, key=f"points:picked-up:{r.id}")
    return HandedOut(r, await _who(r.openid))


async def _who(openid: str) -> str:
    person = await Person.get_or_none(openid=openid)
    return person.name if person is not None and person.name else texts.NO_NAME
