"""Per-person conversation state in Redis, with a TTL, and the per-person lock."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio.lock import Lock

from storage.kv import KV

DEFAULT_TTL = 30 * 60


@dataclass
class ConversationState:
    conversation: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # Names this run of the conversation (a draft): an effect that completes one of its steps
    # is recorded under it, so the step cannot take effect twice (storage.dedup.effect).
    id: str | None = None

    @property
    def active(self) -> bool:
        return self.conversation is not None


def decode_state(raw: bytes | str | None) -> ConversationState:
    if not raw:
        return ConversationState()
    doc = json.loads(raw)
    return ConversationState(doc.get("c"), doc.get("s"), doc.get("d") or {}, doc.get("i"))


def encode_state(state: ConversationState) -> str:
    doc = {"c": state.conversation, "s": state.step, "d": state.data}
    if state.id:
        doc["i"] = state.id
    return json.dumps(doc, ensure_ascii=False)


class StateStore:
    """Loads and saves one person's conversation state; expiry is the conversation timeout."""

    def __init__(self, kv: KV) -> None:
        self.kv = kv

    def _key(self, openid: str) -> str:
        return self.kv.key("state", openid)

    async def load(self, openid: str) -> ConversationState:
        return decode_state(await self.kv.redis.get(self._key(openid)))

    async def save(self, openid: str, state: ConversationState, ttl: int = DEFAULT_TTL) -> None:
        if not state.active:
            await self.kv.redis.delete(self._key(openid))
            return
        await self.kv.redis.set(self._key(openid), encode_state(state), ex=ttl)


def person_lock(kv: KV, openid: str, timeout: float = 30.0, wait: float = 30.0) -> Lock:
    """One person's messages are handled one at a time, in order, across processes.

    ``timeout`` bounds how long a crashed holder can block the person; ``wait`` how long a
    second message waits for the first.
    """
    return kv.redis.lock(
        kv.key("lock", openid), timeout=timeout, blocking_timeout=wait, sleep=0.005
    )
