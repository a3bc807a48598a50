"""What the use cases need from the outside world, as small interfaces ``bot`` implements."""

from __future__ import annotations

from typing import Protocol


class DeliveryRefused(Exception):
    """The channel refused for a reason retrying will not fix (quota, window, no grant)."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class DeliveryFailed(Exception):
    """A transient failure (network, WeChat busy): try again later."""


class Messenger(Protocol):
    """Sends a person a message outside the passive-reply path (customer-service API)."""

    async def send_text(self, openid: str, text: str) -> None: ...


class MediaExpired(Exception):
    """The MediaId is unknown or older than WeChat keeps temporary media (3 days)."""


class MediaFetcher(Protocol):
    """Downloads a person's temporary media: (bytes, MIME type). Raises ``MediaExpired``,
    or ``DeliveryFailed`` for a transient failure worth retrying."""

    async def fetch(self, media_id: str) -> tuple[bytes, str]: ...
