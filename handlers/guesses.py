"""Capping wrong guesses of six-digit codes: binding codes (绑定) and pickup codes (核销).

A six-digit code is one of a million, so guessing must stay slow. Each kind of code has caps
on wrong codes in a fixed window: per person (whoever types them) and, for binding, one across
everyone too, since a fresh WeChat account costs nothing and brings a fresh per-person cap.
Once a cap is used up every attempt under it is refused, the right code included, until its
window ends.

``attempt`` wraps one try: it takes a try from each cap before the code is looked up
(``storage.ratelimit.take``, atomic), and gives them back unless the caller marks the code
wrong, so concurrent attempts (the API, or many accounts at once) cannot overshoot a cap.
The chat and the API call the same use cases, which call ``attempt``: one count for both.

The attempt that uses a cap's last try trips it: one WARNING line (the hashed openid, never
the openid) and ``LOCKOUTS{kind}``. The counters here belong to no registry: ``bot.metrics``
registers them with the one ``/metrics`` serves (handlers never import bot).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from prometheus_client import Counter

from storage import keys, ratelimit
from storage.kv import KV
from storage.redact import hash_openid

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cap:
    """At most ``limit`` wrong codes in ``window`` seconds, per person or across everyone."""

    kind: str  # the metric label and part of the Redis key
    limit: int
    window: int
    per_person: bool = True

    def key(self, openid: str) -> str:
        return keys.rate_guesses(self.kind, openid if self.per_person else None)


# 核销: per member of staff. Staff mistype codes at a busy counter, so more than binding's 5;
# 10 an hour still keeps a member of staff below 240 guesses a day, and a trip is an alert.
PICKUP = Cap("pickup", limit=10, window=3600)
# 绑定: per person (the key "bind:<openid>" predates this module) ...
BIND_PERSON = Cap("bind", limit=5, window=3600)
# ... and across everyone: 30 wrong codes in 10 minutes (about 4,300 a day at most, against
# invitations that live 24 hours) stop every binding for the rest of those 10 minutes.
BIND_GLOBAL = Cap("bind_global", limit=30, window=600, per_person=False)

WRONG_CODES = Counter("linli_wrong_codes", "Wrong six-digit codes typed, by kind (pickup, bind)",
                      ["kind"], registry=None)
LOCKOUTS = Counter("linli_code_lockouts",
                   "Caps on wrong codes used up, by cap (pickup, bind, bind_global)",
                   ["kind"], registry=None)
REFUSED = Counter("linli_code_attempts_refused",
                  "Attempts refused because a cap on wrong codes is used up, by cap",
                  ["kind"], registry=None)
COLLECTORS = (WRONG_CODES, LOCKOUTS, REFUSED)


class Locked(Exception):
    """A cap is used up: refuse the attempt, whatever its code."""

    def __init__(self, cap: Cap, retry_after: int) -> None:
        super().__init__(f"{cap.kind} locked for {retry_after} s")
        self.cap = cap
        self.retry_after = retry_after


class Attempt:
    """One try; the caller sets ``wrong`` when the code named nothing."""

    def __init__(self) -> None:
        self.wrong = False


@asynccontextmanager
async def attempt(kv: KV, openid: str, *caps: Cap) -> AsyncIterator[Attempt]:
    """Take a try from each of ``caps`` for ``openid`` (Locked if one is used up), run the
    body, and keep the tries only if it marked the code wrong."""
    taken: list[tuple[Cap, int]] = []
    try:
        for cap in caps:
            number = await ratelimit.take(kv, cap.key(openid), cap.limit, cap.window)
            if not number:
                REFUSED.labels(cap.kind).inc()
                raise Locked(cap, await ratelimit.retry_after(kv, cap.key(openid)))
            taken.append((cap, number))
    except BaseException:
        await _give_back(kv, openid, taken)
        raise
    this = Attempt()
    try:
        yield this
    finally:
        if this.wrong:
            _count_wrong(openid, taken, caps[0].kind)
        else:
            await _give_back(kv, openid, taken)


async def _give_back(kv: KV, openid: str, taken: list[tuple[Cap, int]]) -> None:
    for cap, _number in taken:
        await ratelimit.give_back(kv, cap.key(openid))


def _count_wrong(openid: str, taken: list[tuple[Cap, int]], kind: str) -> None:
    WRONG_CODES.labels(kind).inc()
    for cap, number in taken:
        if number == cap.limit:  # this wrong code used the cap's last try
            LOCKOUTS.labels(cap.kind).inc()
            if cap.per_person:
                log.warning("wrong %s codes: person %s reached %d in %d s and is locked out "
                            "for the rest of the window", kind, hash_openid(openid), cap.limit,
                            cap.window)
            else:
                log.warning("wrong %s codes: %d in %d s across everyone (the last from %s); "
                            "every attempt is refused for the rest of the window", kind,
                            cap.limit, cap.window, hash_openid(openid))
