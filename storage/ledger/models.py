"""Tortoise models of the points ledger (app label ``ledger``).

The ledger proper is ``Account`` + ``Transfer`` + ``Entry`` (+ ``ChainHead``): entries are
append-only; a transfer's only change is its status, pending -> posted | voided. The other
models (rule awards, rewards, redemptions, expiry notices) are the domain records built on it.
Business logic lives in ``rewards/``; these are plain tables.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class AccountKind(StrEnum):
    ISSUANCE = "issuance"  # the community's source of a unit: the only kind allowed negative
    WALLET = "wallet"  # a person's points
    STOCK = "stock"  # a reward's units on the shelf
    SINK = "sink"  # where spent points / handed-out units / expired points go


class Account(Model):
    """One account of one unit (``unit``: "points" or "reward:<id>").

    ``balance`` is the cached sum of the account's entries (posted transfers only),
    ``reserved`` is the cached sum of its pending debits. Both change only in the
    transaction that writes the entries or the pending transfer.
    """

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=96, unique=True)
    unit = fields.CharField(max_length=32)
    kind = fields.CharEnumField(AccountKind, max_length=10)
    openid = fields.CharField(max_length=64, null=True, db_index=True)
    allow_negative = fields.BooleanField(default=False)
    balance = fields.BigIntField(default=0)
    reserved = fields.BigIntField(default=0)
    created_at = fields.DatetimeField()

    class Meta:
        table = "ledger_account"


class TransferStatus(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class Transfer(Model):
    """Move ``amount`` from ``debit`` to ``credit``.

    ``key`` is the idempotency key, ``fingerprint`` the hash of the parameters it was first
    written with.
    """

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=160, unique=True)
    fingerprint = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=24)
    debit: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "ledger.Account", related_name=False, on_delete=fields.RESTRICT
    )
    credit: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "ledger.Account", related_name=False, on_delete=fields.RESTRICT
    )
    amount = fields.BigIntField()
    status = fields.CharEnumField(TransferStatus, max_length=8)
    reason = fields.CharField(max_length=255, default="")
    rule = fields.CharField(max_length=64, null=True)
    # NO ACTION, not RESTRICT: checked at the end of the statement, so a reversed transfer
    # still cannot be deleted on its own, yet emptying the table in one statement works.
    reverses: fields.ForeignKeyNullableRelation[Transfer] = fields.ForeignKeyField(
        "ledger.Transfer", related_name=False, null=True, on_delete=fields.NO_ACTION
    )
    created_at = fields.DatetimeField(db_index=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "ledger_transfer"
        indexes = (("debit_id", "status"),)


class Entry(Model):
    """One leg of a posted transfer.

    ``seq`` orders the hash chain (1, 2, 3, ...), ``hash`` covers ``prev_hash`` and this
    entry's fields.
    """

    id = fields.BigIntField(primary_key=True)
    seq = fields.BigIntField(unique=True)
    transfer: fields.ForeignKeyRelation[Transfer] = fields.ForeignKeyField(
        "ledger.Transfer", related_name=False, on_delete=fields.RESTRICT
    )
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "ledger.Account", related_name=False, on_delete=fields.RESTRICT
    )
    amount = fields.BigIntField()
    created_at = fields.DatetimeField()
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "ledger_entry"
        indexes = (("account_id", "seq"),)


class ChainHead(Model):
    """The single row (id 1) every chain append locks, holding the last ``seq`` and hash."""

    id = fields.IntField(primary_key=True)
    seq = fields.BigIntField(default=0)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "ledger_chain_head"


class AwardOutcome(StrEnum):
    AWARDED = "awarded"
    CAPPED = "capped"  # the daily/weekly cap cut the amount (possibly to zero)
    NO_POINTS = "no_points"  # a caller's fact ruled the award out


class Award(Model):
    """One application of an earning rule, recorded even when it earned nothing."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=160, unique=True)
    fingerprint = fields.CharField(max_length=64)
    rule = fields.CharField(max_length=64)
    openid = fields.CharField(max_length=64)
    subject = fields.CharField(max_length=96)
    amount = fields.IntField()
    outcome = fields.CharEnumField(AwardOutcome, max_length=10)
    detail = fields.CharField(max_length=64, default="")
    transfer: fields.ForeignKeyNullableRelation[Transfer] = fields.ForeignKeyField(
        "ledger.Transfer", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField()

    class Meta:
        table = "ledger_award"
        indexes = (("openid", "created_at"),)


class Reward(Model):
    """A reward residents can redeem. Its stock is the ledger account ``reward:<id>:stock``."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64)
    cost = fields.IntField()
    per_person_limit = fields.IntField(null=True)  # None: no limit
    available_from = fields.DatetimeField(null=True)
    available_until = fields.DatetimeField(null=True)
    pickup_place = fields.CharField(max_length=128)
    enabled = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "ledger_reward"


class RedemptionStatus(StrEnum):
    PENDING = "pending"  # points and one unit reserved; waiting for pickup
    PICKED_UP = "picked_up"
    EXPIRED = "expired"  # not picked up in time: reservation voided


class Redemption(Model):
    """A reservation of ``cost`` points and one unit of a reward, with its pickup code.

    ``active_code`` is the pickup code while pending (unique among pending codes) and NULL
    afterwards, ``code`` keeps it for the record.
    """

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=160, unique=True)
    fingerprint = fields.CharField(max_length=64)
    openid = fields.CharField(max_length=64)
    reward: fields.ForeignKeyRelation[Reward] = fields.ForeignKeyField(
        "ledger.Reward", related_name=False, on_delete=fields.RESTRICT
    )
    cost = fields.IntField()
    code = fields.CharField(max_length=6, db_index=True)
    active_code = fields.CharField(max_length=6, null=True, unique=True)
    status = fields.CharEnumField(RedemptionStatus, max_length=10)
    points_transfer: fields.ForeignKeyRelation[Transfer] = fields.ForeignKeyField(
        "ledger.Transfer", related_name=False, on_delete=fields.RESTRICT
    )
    stock_transfer: fields.ForeignKeyRelation[Transfer] = fields.ForeignKeyField(
        "ledger.Transfer", related_name=False, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    resolved_at = fields.DatetimeField(null=True)
    picked_up_by = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "ledger_redemption"
        indexes = (("openid", "reward_id"),)


class ExpiryNotice(Model):
    """A reminder about points expiring on ``expires_on``, one per person and date."""

    id = fields.BigIntField(primary_key=True)
    openid = fields.CharField(max_length=64)
    expires_on = fields.DateField()
    amount = fields.IntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "ledger_expiry_notice"
        unique_together = (("openid", "expires_on"),)


# Discovery order for tortoise: rows that reference others first, so anything that empties
# the tables in this order (the test fixtures on SQLite) never trips a foreign key.
__models__ = [
    ExpiryNotice,
    Redemption,
    Award,
    Entry,
    ChainHead,
    Reward,
    Transfer,
    Account,
]
