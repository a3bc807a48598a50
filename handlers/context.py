"""What a step function sees: the message, the person, their conversation data, services."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from handlers.inbound import Inbound
from handlers.normalize import typed_tail
from handlers.ports import Messenger, PhotoStore
from storage.core.models import Person
from storage.dedup import BeforeRecord, EffectRecord, effect, step_key
from storage.kv import KV
from storage.state import ConversationState


@dataclass(frozen=True)
class Retention:
    """How long personal details are kept (``LINLI_RETENTION_*``, read by ``bot/config.py``;
    enforced by ``handlers/privacy/retention.py`` and told in the privacy notice)."""

    wish_contact_days: int = 30  # a wish's address and phone, after it closes
    wish_photo_days: int = 90  # a wish's photo and proof photo, after it closes
    case_location_days: int = 180  # a closed case's exact location, then ~100 m
    processed_message_days: int = 30  # the dedup records (they hold replies)
    draft_hours: int = 24  # a conversation's draft, at the very most


@dataclass
class Services:
    kv: KV
    messenger: Messenger | None = None
    photos: PhotoStore | None = None  # downloads people's photos (handlers/photos.py)
    retention: Retention = field(default_factory=Retention)
    # 注销 of a staff member keeps their name and role on the pseudonymous row, so case
    # histories still say who acted (LINLI_PRIVACY_KEEP_STAFF_HISTORY).
    keep_staff_history: bool = True
    # Where the web app is reached from outside (LINLI_PUBLIC_URL): 我的数据's download link.
    public_url: str = ""


@dataclass
class Context:
    msg: Inbound
    person: Person
    state: ConversationState
    services: Services
    arg: str = ""  # the command's argument, e.g. "123456" in 绑定 123456
    keyword: str = ""
    notes: list[str] = field(default_factory=list)
    changed: bool = False  # the message wrote to the database (cached snapshots are stale)
    # The flow's steps that may take an effect, while one of its steps runs (Flow.effects).
    effect_steps: frozenset[str] | None = None
    # Whether the routing table reads a text as a command (the router's own rules; the
    # pipeline passes its router's): a step asks before taking the text as an answer.
    is_command: Callable[[str], bool] = field(default=lambda text: False, repr=False)
    # Runs last in an effect's transaction, before its record (the pipeline's: the privacy
    # notice on a person's first contribution, decided and stored with the effect).
    before_record: BeforeRecord | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return self.msg.text

    def as_typed(self, text: str) -> str:
        """``text`` (the message, or its tail such as ``ctx.arg``) as the person typed it.

        Matching reads the folded text (full-width forms become half-width); what is stored
        (a description) keeps the person's own characters, full-width punctuation and all.
        """
        return typed_tail(self.msg.typed, text)

    @property
    def data(self) -> dict:
        return self.state.data

    @property
    def kv(self) -> KV:
        return self.services.kv

    def effect(self) -> AbstractAsyncContextManager[EffectRecord]:
        """A database transaction that gives this message its one effect.

        Raises ``storage.dedup.AlreadyHandled`` when a repeat delivery reaches it, or when
        another message already completed this step of this run of the conversation (the
        resident's second 确认 of a draft whose first one committed, then crashed).
        """
        if self.effect_steps is not None and (self.state.step or "") not in self.effect_steps:
            raise RuntimeError(f"step {self.state.step!r} of {self.state.conversation!r} takes "
                               "an effect but is not among its flow's effects")
        self.changed = True
        key = step_key(self.state.id, self.state.step) if self.state.id else None
        return effect(self.msg.dedup_key, self.msg.openid, key, self.before_record)
