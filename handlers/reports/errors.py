"""Refusals of the case use cases: raised low, translated once at the edge.

Each carries the Chinese reply for chat (``reply``) and a stable ``code`` for the CLI and
the API. Raised inside a message's effect, it rolls the transaction back.
"""

from __future__ import annotations

from handlers.errors import Refusal


class CaseError(Refusal):
    code = "case_error"


class UnknownCase(CaseError):
    code = "unknown_case"


class UnknownCategory(CaseError):
    code = "unknown_category"


class WrongState(CaseError):
    code = "wrong_state"


class NotAllowed(CaseError):
    code = "not_allowed"


class BadInput(CaseError):
    code = "bad_input"


class OwnCase(CaseError):
    """+1 for one's own case."""

    code = "own_case"
