"""Refusals of the wish use cases: raised low, translated once at the edge.

Each carries the Chinese reply for chat (``reply``) and a stable ``code`` for the CLI and
later the API. Raised inside a message's effect, it rolls the transaction back: nothing
changes.
"""

from __future__ import annotations

from handlers.errors import Refusal


class WishError(Refusal):
    code = "wish_error"


class UnknownWish(WishError):
    code = "unknown_wish"


class BadInput(WishError):
    code = "bad_input"


class WrongState(WishError):
    code = "wrong_state"


class NotAllowed(WishError):
    code = "not_allowed"


class NotVolunteer(NotAllowed):
    code = "not_volunteer"
