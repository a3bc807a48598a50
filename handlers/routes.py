"""The one routing table: every flow and event handler the bot knows."""

from __future__ import annotations

from handlers import points, staff, welcome, wishes
from handlers.engine import Router
from handlers.reports import feedback as report_feedback
from handlers.reports import flow as report_flow
from handlers.reports import resident as report_resident
from handlers.reports import staff as report_staff


def build_router() -> Router:
    flows = [*staff.FLOWS, *wishes.FLOWS, *points.FLOWS, *report_staff.FLOWS,
             *report_flow.FLOWS, *report_resident.FLOWS, *report_feedback.FLOWS]
    return Router(flows, welcome.EVENTS, welcome.menu)
