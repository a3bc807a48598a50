"""A person's conversation state and its encoding in Redis (``storage.keys.state``; read and
written by ``storage.turn``'s scripts, expiring with the conversation timeout)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson


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
    doc = orjson.loads(raw)
    return ConversationState(doc.get("c"), doc.get("s"), doc.get("d") or {}, doc.get("i"))


def encode_state(state: ConversationState) -> str:
    doc = {"c": state.conversation, "s": state.step, "d": state.data}
    if state.id:
        doc["i"] = state.id
    # orjson: several times faster than json; non-str keys become strings as json makes them.
    return orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS).decode()
