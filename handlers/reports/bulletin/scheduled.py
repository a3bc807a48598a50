"""The weekly bulletin's job (bot/scheduler.py CRON_JOBS): Monday 08:00, last week's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.reports.bulletin import notify, queries

if TYPE_CHECKING:
    from handlers.context import Services


async def weekly(services: Services) -> None:
    """The scheduler's Monday 08:00 job: last week's bulletin."""
    await notify.send(queries.last_week(), services.public_url)
