"""The base of every domain refusal in ``handlers``: raised low, translated once at the edge.

A refusal carries the Chinese reply for chat (``reply``) and a stable ``code`` for the CLI
and the API. Raised inside a message's effect, it rolls the transaction back.
"""

from __future__ import annotations


class Refusal(Exception):
    code = "refused"
    # Seconds after which the same request may succeed (a lockout): the API's Retry-After.
    retry_after: int | None = None

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply
