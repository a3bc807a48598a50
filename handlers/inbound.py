"""Plain values crossing the transport boundary: what came in, what goes back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    LOCATION = "location"
    VOICE = "voice"
    VIDEO = "video"
    LINK = "link"
    SUBSCRIBE = "event:subscribe"
    UNSUBSCRIBE = "event:unsubscribe"
    SCAN = "event:scan"
    CLICK = "event:click"
    VIEW = "event:view"
    REPORT_LOCATION = "event:location"
    # The Official Account's subscription notices (订阅通知): opted in or out in a pop-up,
    # changed in the settings, and WeChat's word on a notice sent.
    SUBSCRIBE_MSG_POPUP = "event:subscribe_msg_popup"
    SUBSCRIBE_MSG_CHANGE = "event:subscribe_msg_change"
    SUBSCRIBE_MSG_SENT = "event:subscribe_msg_sent"
    OTHER = "other"


@dataclass(frozen=True)
class SubscribeChoice:
    """One template in a subscription-notice event: ``status`` "accept" or "reject" (pop-up,
    change), or for a sent notice WeChat's ErrorStatus with ``error_code`` (0: delivered)."""

    template_id: str
    status: str
    error_code: int = 0


@dataclass(frozen=True)
class Inbound:
    """One message or event from one person, transport-free."""

    kind: Kind
    openid: str
    dedup_key: str
    created_at: datetime
    text: str = ""  # folded for matching (handlers.normalize); commands read this
    typed: str = ""  # the text as the person typed it (stripped): what is stored
    media_id: str | None = None
    pic_url: str | None = None
    lat: float | None = None
    lng: float | None = None
    label: str = ""
    event_key: str = ""
    choices: tuple[SubscribeChoice, ...] = ()  # the subscription-notice events' templates


@dataclass
class Outcome:
    """What handling produced: a passive reply (None = nothing to say) and extra pushes."""

    reply: str | None
    pushes: list[str] = field(default_factory=list)
