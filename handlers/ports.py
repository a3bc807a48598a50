"""What the use cases need from the outside world, as small interfaces ``bot`` implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from storage.media import MediaStore


class DeliveryRefused(Exception):
    """The channel refused for a reason retrying will not fix (quota, window, no grant)."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class MediaRefused(DeliveryRefused):
    """WeChat refused the media itself (its type, its size): sending it again will not help."""


class DeliveryFailed(Exception):
    """A transient failure (network, WeChat busy): try again later."""


class Messenger(Protocol):
    """Sends a person a message outside the passive-reply path (customer-service API)."""

    async def send_text(self, openid: str, text: str) -> None: ...


@runtime_checkable
class ImageSender(Protocol):
    """Customer-service image messages: the stored photo at ``path`` (relative to the media
    directory) uploaded as temporary media and sent. Only inside the 48 h window: refusals
    raise ``DeliveryRefused`` (``MediaRefused`` for the file itself), hiccups ``DeliveryFailed``."""

    async def send_image(self, openid: str, path: str, content_type: str) -> None: ...


@dataclass(frozen=True)
class Notice:
    """A push rendered for the structured channels (subscribe and template messages)."""

    title: str  # what it is about, e.g. "随手拍 A1234"
    status: str  # its state now, e.g. "处理中"
    text: str  # the change in a sentence
    time: str  # when, as people read it: "2026-11-21 09:30"


@runtime_checkable
class NoticeSender(Protocol):
    """Subscribe and template messages, for people outside the customer-service window.

    ``subscribe_templates``: the subscribe templates a person's grant may be used for (empty:
    the channel is not configured); ``long_term``: those of them that are long-term (长期订阅:
    a send does not use the grant up); ``template_id``: the template message (None: none).
    ``key`` is the person's ``Person.openid``: the sender finds their openid in the app it
    sends through (``app``: "oa" bizsend, "miniapp" the mini-program's subscribe/send) and
    refuses when they never used that app. Refusals raise ``DeliveryRefused``, hiccups
    ``DeliveryFailed``.
    """

    subscribe_templates: frozenset[str]
    long_term: frozenset[str]
    template_id: str | None

    async def send_subscribe(self, key: str, notice: Notice, app: str,
                             template_id: str) -> None: ...

    async def send_template(self, key: str, notice: Notice) -> None: ...


class MediaExpired(Exception):
    """The MediaId is unknown or older than WeChat keeps temporary media (3 days)."""


class MediaFetcher(Protocol):
    """Downloads a person's temporary media: (bytes, MIME type). Raises ``MediaExpired``,
    or ``DeliveryFailed`` for a transient failure worth retrying."""

    async def fetch(self, media_id: str) -> tuple[bytes, str]: ...


@dataclass(frozen=True)
class PhotoStore:
    """Where people's photos come from and go: the fetcher of their media, and the store of
    their bytes (``LINLI_MEDIA_STORE``: the media directory or the database).
    ``handlers.photos`` downloads and stores with it; everything that shows, sends or
    deletes a photo reads ``media``."""

    fetcher: MediaFetcher
    media: MediaStore
