"""The daily retention sweep ``privacy_retention`` (``bot/scheduler.py``, 03:30 Shanghai)."""

from __future__ import annotations

import logging

from handlers.context import Services
from handlers.privacy import retention

log = logging.getLogger(__name__)


async def sweep_retention(services: Services) -> dict[str, int]:
    """Remove what the retention settings no longer allow; log the counts per kind."""
    media = services.photos.media if services.photos is not None else None
    counts = await retention.apply(services.retention, media)
    log.info("privacy retention removed %s", " ".join(f"{k}={v}" for k, v in counts.items()))
    return counts
