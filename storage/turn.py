"""One inbound message's hold on a person, in two Redis round trips.

``begin`` claims the message id (dedup), takes the person's lock, notes when they last wrote
and loads their conversation state; ``finish`` saves the state, remembers the reply for
repeat deliveries and releases the lock. Each is one Lua script, so the common path costs
two round trips instead of seven. Key names and values are the same as ``storage.dedup``,
``storage.state`` and ``storage.presence`` use, so those stay valid views of the same data.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from storage.dedup import DEDUP_TTL, NO_REPLY, PENDING
from storage.kv import KV
from storage.presence import WINDOW_SECONDS
from storage.state import ConversationState, decode_state, encode_state

LOCK_MS = 30_000

# KEYS: lock, seen, state, person[, msg]
_ENTER = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) == false then
  return {0, false, false}
end
redis.call('set', KEYS[2], ARGV[3], 'EX', ARGV[4])
return {1, redis.call('get', KEYS[3]), redis.call('get', KEYS[4])}
"""
_CLAIM_ENTER = """
if redis.call('set', KEYS[5], ARGV[5], 'NX', 'EX', ARGV[6]) == false then
  return {2, false, false}
end
""" + _ENTER
# KEYS: lock, msg, state, person
_FINISH = """
if ARGV[1] == 'del' then redis.call('del', KEYS[3])
elseif ARGV[1] == 'set' then redis.call('set', KEYS[3], ARGV[2], 'EX', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('set', KEYS[2], ARGV[4], 'EX', ARGV[5])
else redis.call('del', KEYS[2]) end
if ARGV[7] == 'del' then redis.call('del', KEYS[4])
elseif ARGV[7] == 'set' then redis.call('set', KEYS[4], ARGV[8], 'EX', ARGV[9]) end
if redis.call('get', KEYS[1]) == ARGV[6] then redis.call('del', KEYS[1]) end
return 1
"""


class Start(Enum):
    ENTERED = "entered"  # first delivery: lock held, state loaded
    REPEAT = "repeat"  # the message was seen before


@dataclass
class Turn:
    openid: str
    dedup_key: str
    token: bytes
    state: ConversationState
    had_state: bool
    person: bytes | None  # the cached snapshot of the person's row, if any


class TurnStore:
    def __init__(self, kv: KV) -> None:
        self.kv = kv
        redis = kv.redis
        self._claim_enter = redis.register_script(_CLAIM_ENTER)
        self._enter = redis.register_script(_ENTER)
        self._finish = redis.register_script(_FINISH)

    def _keys(self, openid: str) -> list[str]:
        k = self.kv.key
        return [k("lock", openid), k("seen", openid), k("state", openid), k("person", openid)]

    async def begin(self, openid: str, dedup_key: str, now: datetime, wait: float = 30.0
                    ) -> tuple[Start, Turn | None]:
        """Claim the message and enter the person's turn, waiting for the lock if needed."""
        token = secrets.token_hex(8).encode()
        keys = self._keys(openid)
        args = [token, LOCK_MS, str(now.timestamp()), WINDOW_SECONDS]
        status, raw, person = await self._claim_enter(
            keys=[*keys, self.kv.key("msg", dedup_key)], args=[*args, PENDING, DEDUP_TTL])
        if status == 2:
            return Start.REPEAT, None
        deadline = time.monotonic() + wait
        delay = 0.002
        while status == 0:  # someone else is handling this person's previous message
            if time.monotonic() >= deadline:
                await self.abort(openid, dedup_key, None)
                raise TimeoutError(f"person lock for {openid} not free after {wait}s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)
            status, raw, person = await self._enter(keys=keys, args=args)
        return Start.ENTERED, Turn(openid, dedup_key, token, decode_state(raw), bool(raw),
                                   person or None)

    async def finish(self, turn: Turn, reply: str | None, state: ConversationState | None,
                     ttl: int, person: str | None = None, person_ttl: int = 30) -> None:
        """Save ``state`` (None: leave it as it is), remember the reply, store the person's
        snapshot (None: drop it), release the lock."""
        if state is None:
            op, doc = "keep", ""
        elif state.active:
            op, doc = "set", encode_state(state)
        else:
            op, doc = ("del" if turn.had_state else "keep"), ""
        remembered = NO_REPLY if reply is None else reply.encode()
        lock, _seen, state_key, person_key = self._keys(turn.openid)
        person_op = "set" if person is not None else ("del" if turn.person else "keep")
        await self._finish(
            keys=[lock, self.kv.key("msg", turn.dedup_key), state_key, person_key],
            args=[op, doc, ttl, remembered, DEDUP_TTL, turn.token, person_op, person or "",
                  person_ttl])

    async def abort(self, openid: str, dedup_key: str, turn: Turn | None) -> None:
        """Handling failed with no effect: forget the message (a retry may try again)."""
        lock, _seen, state_key, person_key = self._keys(openid)
        await self._finish(
            keys=[lock, self.kv.key("msg", dedup_key), state_key, person_key],
            args=["keep", "", 0, "", 0, turn.token if turn else b"", "del", "", 0])
