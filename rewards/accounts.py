"""Ledger accounts: their codes, and creating them on first use.

Codes name the unit first: ``points:wallet:<openid>``, ``points:issuance``, ``points:redeemed``,
``points:expired``; per reward ``reward:<id>:stock``, ``reward:<id>:issuance``,
``reward:<id>:handed_out``. Each unit has one issuance account, the only kind that may go
negative: every unit in circulation came out of it.
"""

from __future__ import annotations

from typing import Any

from storage import clock
from storage.ledger.models import Account, AccountKind
from storage.redact import hash_openid

POINTS = "points"
ISSUANCE = "points:issuance"
REDEEMED = "points:redeemed"
EXPIRED = "points:expired"
WALLET_PREFIX = "points:wallet:"


def wallet_code(openid: str) -> str:
    if not openid or len(openid) > 64:
        raise ValueError(f"bad openid #{hash_openid(openid)} ({len(openid)} characters)")
    return WALLET_PREFIX + openid


def loggable(code: str) -> str:
    """An account code fit for logs and error messages: a wallet's openid hashed."""
    if code.startswith(WALLET_PREFIX):
        return WALLET_PREFIX + "#" + hash_openid(code.removeprefix(WALLET_PREFIX))
    return code


def stock_code(reward_id: int) -> str:
    return f"reward:{reward_id}:stock"


def reward_issuance_code(reward_id: int) -> str:
    return f"reward:{reward_id}:issuance"


def handed_out_code(reward_id: int) -> str:
    return f"reward:{reward_id}:handed_out"


def spec(code: str) -> dict[str, Any]:
    """The columns of a new account with this code."""
    if code.startswith(WALLET_PREFIX):
        openid = code.removeprefix(WALLET_PREFIX)
        return {"unit": POINTS, "kind": AccountKind.WALLET, "openid": openid}
    if code == ISSUANCE:
        return {"unit": POINTS, "kind": AccountKind.ISSUANCE, "allow_negative": True}
    if code in (REDEEMED, EXPIRED):
        return {"unit": POINTS, "kind": AccountKind.SINK}
    parts = code.split(":")
    if len(parts) == 3 and parts[0] == "reward" and parts[1].isdigit():
        unit = f"reward:{parts[1]}"
        if parts[2] == "stock":
            return {"unit": unit, "kind": AccountKind.STOCK}
        if parts[2] == "issuance":
            return {"unit": unit, "kind": AccountKind.ISSUANCE, "allow_negative": True}
        if parts[2] == "handed_out":
            return {"unit": unit, "kind": AccountKind.SINK}
    # The code may hold an openid: name it by its hash.
    raise ValueError(f"unknown account code #{hash_openid(code)} ({code.split(':')[0]}:...)")


async def ensure(*codes: str) -> dict[str, Account]:
    """The accounts with these codes, creating missing ones (safe under concurrency:
    INSERT .. ON CONFLICT DO NOTHING, then read back whoever won)."""
    wanted = list(dict.fromkeys(codes))
    found = {a.code: a for a in await Account.filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        now = clock.now()
        await Account.bulk_create(
            [Account(code=c, created_at=now, **spec(c)) for c in missing], ignore_conflicts=True
        )
        found.update({a.code: a for a in await Account.filter(code__in=missing)})
    return found


async def lock(*codes: str) -> dict[str, Account]:
    """Inside a transaction: lock the accounts with these codes (in the engine's lock
    order, FOR NO KEY UPDATE), creating missing ones first. One query when all exist."""
    wanted = list(dict.fromkeys(codes))
    found = await _locked(wanted)
    if len(found) < len(wanted):
        now = clock.now()
        missing = [c for c in wanted if c not in found]
        await Account.bulk_create(
            [Account(code=c, created_at=now, **spec(c)) for c in missing], ignore_conflicts=True
        )
        found = await _locked(wanted)
    return found


async def _locked(codes: list[str]) -> dict[str, Account]:
    rows = (
        await Account.filter(code__in=codes)
        .order_by("-kind", "id")  # transfers.LOCK_ORDER
        .select_for_update(no_key=True)
    )
    return {a.code: a for a in rows}


async def get(code: str) -> Account | None:
    return await Account.get_or_none(code=code)
