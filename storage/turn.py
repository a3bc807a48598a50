"""One inbound message's hold on a person, in two Redis round trips.

``begin`` claims the message id (dedup), takes the person's lock, notes when they last wrote
and loads their conversation state; ``finish`` saves the state, remembers the reply for
repeat deliveries and releases the lock. Each is one Lua script, so the common path costs
two round trips instead of seven. The keys are ``storage.keys``'s; ``storage.dedup`` and
``storage.presence`` read the same keys and values.

A process can die between any two lines, so the claim and the lock are leases: they live
``LEASE_MS`` and the living owner renews them every third of that (``Lease``). A dead
owner's claim vanishes within the lease, and WeChat's redelivery of the message takes the
turn over (``storage.dedup.Waited.GONE``); its lock frees the person just as fast.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from storage import keys
from storage.dedup import DEDUP_TTL, NO_REPLY, PENDING
from storage.kv import KV, Script
from storage.presence import WINDOW_SECONDS
from storage.state import ConversationState, decode_state, encode_state

log = logging.getLogger(__name__)

LEASE_MS = 3_000  # a claim or lock nobody renews is free after this
RENEW_EVERY = LEASE_MS / 3 / 1000  # seconds: two renewals may fail before the lease ends

# KEYS: lock, seen, state, person, notice[, msg]. Run twice with the same arguments (its
# reply lost with a dropped connection, the command sent again: storage.kv._execute), a
# script finds the claim and the lock holding its own values and answers as the first run
# did, instead of taking itself for another owner and waiting out its own lease.
_ENTER = """
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2])
elseif redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) == false then
  return {0, false, false, 0}
end
redis.call('set', KEYS[2], ARGV[3], 'EX', ARGV[4])
return {1, redis.call('get', KEYS[3]), redis.call('get', KEYS[4]), redis.call('exists', KEYS[5])}
"""
_CLAIM_ENTER = """
if redis.call('get', KEYS[6]) ~= ARGV[5]
   and redis.call('set', KEYS[6], ARGV[5], 'NX', 'PX', ARGV[6]) == false then
  return {2, false, false, 0}
end
""" + _ENTER
# KEYS: lock, msg, state, person, expired
_FINISH = """
if ARGV[1] == 'del' then redis.call('del', KEYS[3], KEYS[5])
elseif ARGV[1] == 'set' then
  redis.call('set', KEYS[3], ARGV[2], 'EX', ARGV[3])
  if ARGV[10] ~= '' then redis.call('set', KEYS[5], ARGV[10], 'EX', ARGV[11])
  else redis.call('del', KEYS[5]) end
end
if ARGV[4] ~= '' then redis.call('set', KEYS[2], ARGV[4], 'EX', ARGV[5])
else redis.call('del', KEYS[2]) end
if ARGV[7] == 'del' then redis.call('del', KEYS[4])
elseif ARGV[7] == 'set' then redis.call('set', KEYS[4], ARGV[8], 'EX', ARGV[9]) end
if redis.call('get', KEYS[1]) == ARGV[6] then redis.call('del', KEYS[1]) end
return 1
"""
# KEYS: msg, lock; ARGV: the claim's value, the lock's token, the lease. Renews what is ours.
_RENEW = """
local n = 0
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[3]); n = 1 end
if redis.call('get', KEYS[2]) == ARGV[2] then redis.call('pexpire', KEYS[2], ARGV[3]); n = n + 2 end
return n
"""


class Snapshot(Enum):
    KEEP = "keep"  # ``finish``: leave the person's snapshot as it is, expiring when it was to


class Start(Enum):
    ENTERED = "entered"  # first delivery: lock held, state loaded
    REPEAT = "repeat"  # the message was seen before


class Lease:
    """Keeps a living owner's claim and lock alive: renews them until stopped.

    Most turns end long before the first renewal is due, so the renewing task is only started
    then, by a timer (a timer costs far less than a task that is created and cancelled)."""

    def __init__(self, renew: object, keys: list[str], claim: bytes, token: bytes) -> None:
        self._renew = renew
        self._keys = keys
        self._args = [claim, token, LEASE_MS]
        self._task: asyncio.Task | None = None
        self._timer: asyncio.TimerHandle | None = asyncio.get_running_loop().call_later(
            RENEW_EVERY, self._start)

    def _start(self) -> None:
        self._timer = None
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            try:
                await self._renew(keys=self._keys, args=self._args)
            except Exception as exc:  # a Redis hiccup: the next tick tries again
                log.warning("lease renewal failed: %s", type(exc).__name__)
            await asyncio.sleep(RENEW_EVERY)

    def stop(self) -> None:
        """Stop renewing (the process is done with the turn, or is dying)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._task is not None:
            self._task.cancel()


@dataclass
class Turn:
    openid: str
    dedup_key: str
    token: bytes
    state: ConversationState
    had_state: bool
    person: bytes | None  # the cached snapshot of the person's row, if any
    lease: Lease
    notices: bool = True  # the person's notices flag (handlers.push.reply) was up at the start


class TurnStore:
    def __init__(self, kv: KV) -> None:
        self.kv = kv
        redis = kv.redis
        self._claim_enter = Script(_CLAIM_ENTER, redis)
        self._enter = Script(_ENTER, redis)
        self._finish = Script(_FINISH, redis)
        self._renew = Script(_RENEW, redis)

    def _keys(self, openid: str) -> list[str]:
        return keys.turn(self.kv, openid)

    async def begin(self, openid: str, dedup_key: str, now: datetime, wait: float = 30.0
                    ) -> tuple[Start, Turn | None]:
        """Claim the message and enter the person's turn, waiting for the lock if needed.

        REPEAT: somebody holds the claim (alive, or dead less than a lease ago) or has
        answered it already: ``storage.dedup.Dedup.wait_reply`` tells which.
        """
        # Only unique, never secret (it tells our lock from another owner's): the module's
        # generator, seeded from os.urandom, spares a system call per message.
        token = b"%016x" % random.getrandbits(64)
        claim = PENDING + b":" + token
        person_keys = [*self._keys(openid), keys.notice(self.kv, openid)]
        msg_key = keys.msg(self.kv, dedup_key)
        args = [token, LEASE_MS, str(now.timestamp()), WINDOW_SECONDS]
        status, raw, person, flagged = await self._claim_enter(
            keys=[*person_keys, msg_key], args=[*args, claim, LEASE_MS])
        if status == 2:
            return Start.REPEAT, None
        lease = Lease(self._renew, [msg_key, person_keys[0]], claim, token)
        try:
            deadline = time.monotonic() + wait
            delay = 0.002
            while status == 0:  # someone else is handling this person's previous message
                if time.monotonic() >= deadline:
                    raise TimeoutError(f"person lock not free after {wait}s")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)
                status, raw, person, flagged = await self._enter(keys=person_keys, args=args)
        except BaseException:
            lease.stop()
            await self._release(openid, dedup_key, None)
            raise
        return Start.ENTERED, Turn(openid, dedup_key, token, decode_state(raw), bool(raw),
                                   person or None, lease, bool(flagged))

    async def finish(self, turn: Turn, reply: str | None, state: ConversationState | None,
                     ttl: int, person: str | Snapshot | None = None, person_ttl: int = 30,
                     expired: str | None = None, expired_ttl: int = 0) -> None:
        """Save ``state`` (None: leave it as it is), remember the reply, store the person's
        snapshot (None: drop it; ``Snapshot.KEEP``: leave it and its expiry), release the
        lock. With an active state, ``expired`` is what the person hears if the state times
        out, kept ``expired_ttl`` s (``keys.expired``); an ended conversation drops it."""
        if state is None:
            op, doc = "keep", ""
        elif state.active:
            op, doc = "set", encode_state(state)
        else:
            op, doc = ("del" if turn.had_state else "keep"), ""
        remembered = NO_REPLY if reply is None else reply.encode()
        lock, _seen, state_key, person_key = self._keys(turn.openid)
        if person is Snapshot.KEEP:
            person_op, person = "keep", None
        else:
            person_op = "set" if person is not None else ("del" if turn.person else "keep")
        turn.lease.stop()
        await self._finish(
            keys=[lock, keys.msg(self.kv, turn.dedup_key), state_key, person_key,
                  keys.expired(self.kv, turn.openid)],
            args=[op, doc, ttl, remembered, DEDUP_TTL, turn.token, person_op, person or "",
                  person_ttl, expired or "", expired_ttl])

    async def abort(self, openid: str, dedup_key: str, turn: Turn | None) -> None:
        """Handling failed with no effect: forget the message (a retry may try again)."""
        if turn is not None:
            turn.lease.stop()
        await self._release(openid, dedup_key, turn)

    async def _release(self, openid: str, dedup_key: str, turn: Turn | None) -> None:
        lock, _seen, state_key, person_key = self._keys(openid)
        await self._finish(
            keys=[lock, keys.msg(self.kv, dedup_key), state_key, person_key,
                  keys.expired(self.kv, openid)],
            args=["keep", "", 0, "", 0, turn.token if turn else b"", "del", "", 0, "", 0])


async def take_expired(kv: KV, openid: str) -> str | None:
    """What to tell the person about their timed-out conversation, once (``keys.expired``)."""
    raw = await kv.redis.getdel(keys.expired(kv, openid))
    if raw is None:
        return None
    return raw.decode() if isinstance(raw, bytes) else raw
