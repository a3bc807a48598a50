"""The one routing table: every flow and event handler the bot knows."""

from __future__ import annotations

from handlers import console_access, points, privacy, reports, staff, welcome, wishes
from handlers.engine import Router


def build_router() -> Router:
    flows = [*staff.FLOWS, *console_access.FLOWS, *wishes.FLOWS, *points.FLOWS, *privacy.FLOWS,
             *reports.FLOWS]
    return Router(flows, welcome.EVENTS, welcome.menu)
