"""The 随手拍 sweeps the scheduler runs (bot/scheduler.py JOBS): each job is a thin entry
point; the logic lives in the module named for its concept.

- ``sweep_sla`` (job ``report_sla``): escalate cases past their SLA (``sla``);
- ``sweep_closing`` (job ``report_closing``): auto-confirm resolved cases nobody answered
  (``closing``), then award the points a crash left behind (``awards``).

The weekly bulletin's job is ``bulletin.scheduled.weekly``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.reports import awards, closing, sla

if TYPE_CHECKING:
    from handlers.context import Services


async def sweep_sla(services: Services) -> None:
    """Job ``report_sla``."""
    await sla.escalate_due()


async def sweep_closing(services: Services | None) -> None:
    """Job ``report_closing``: auto-confirm what is due, then award what is not yet."""
    await closing.auto_confirm_due()
    await awards.award_due()
