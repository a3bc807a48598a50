"""Domain errors of the rewards package, each with a stable ``code``.

Raised low, translated once at the edge: ``rewards.texts.error_text(err)`` gives the Chinese
reply, ``err.code`` the API error code. ``err.params`` holds the numbers the text needs.
"""

from __future__ import annotations

from typing import Any, ClassVar


class RewardsError(Exception):
    code: ClassVar[str] = "rewards_error"

    def __init__(self, message: str = "", **params: Any) -> None:
        super().__init__(message or self.code)
        self.params = params


# --- ledger ---------------------------------------------------------------------------


class LedgerError(RewardsError):
    code = "ledger_error"


class InsufficientBalance(LedgerError):
    """A debit would take a non-negative account below zero."""

    code = "insufficient_balance"


class InsufficientPoints(InsufficientBalance):
    code = "insufficient_points"


class OutOfStock(InsufficientBalance):
    code = "out_of_stock"


class IdempotencyConflict(LedgerError):
    """The key was used before with different parameters."""

    code = "idempotency_conflict"


class InvalidAmount(LedgerError):
    code = "invalid_amount"


class UnknownTransfer(LedgerError):
    code = "unknown_transfer"


class TransferNotPending(LedgerError):
    """Posting a voided transfer, or voiding a posted one."""

    code = "transfer_not_pending"


class NotReversible(LedgerError):
    """Only posted transfers that are not reversals themselves can be reversed."""

    code = "not_reversible"


class LedgerInvariantBroken(LedgerError):
    """The cached state disagrees with what a write expected: run ``linli ledger verify``."""

    code = "ledger_invariant_broken"


# --- earning rules ----------------------------------------------------------------------


class UnknownRule(RewardsError):
    code = "unknown_rule"


# --- catalogue and redemption -------------------------------------------------------------


class CatalogueError(RewardsError):
    code = "catalogue_error"


class UnknownReward(CatalogueError):
    code = "unknown_reward"


class NotAvailable(CatalogueError):
    """Disabled, or outside its availability window."""

    code = "not_available"


class OverLimit(CatalogueError):
    code = "over_limit"


class PickupError(RewardsError):
    code = "pickup_error"


class UnknownCode(PickupError):
    code = "unknown_code"


class CodeExpired(PickupError):
    code = "code_expired"


class CodeUsed(PickupError):
    code = "code_used"


ALL_ERRORS: tuple[type[RewardsError], ...] = (
    InsufficientBalance,
    InsufficientPoints,
    OutOfStock,
    IdempotencyConflict,
    InvalidAmount,
    UnknownTransfer,
    TransferNotPending,
    NotReversible,
    LedgerInvariantBroken,
    UnknownRule,
    UnknownReward,
    NotAvailable,
    OverLimit,
    UnknownCode,
    CodeExpired,
    CodeUsed,
)
