"""The one routing table: every flow and event handler the bot knows."""

from __future__ import annotations

from handlers import console_access, points, privacy, reports, staff, welcome, wishes
from handlers.engine import HELP_KEY, Router
from handlers.push import optin


def build_router() -> Router:
    flows = [*staff.FLOWS, *console_access.FLOWS, *wishes.FLOWS, *points.FLOWS, *privacy.FLOWS,
             *reports.FLOWS]
    return Router(flows, {**welcome.EVENTS, **optin.EVENTS}, welcome.menu)


def click_keys() -> frozenset[str]:
    """Every menu button key (CLICK event) the bot answers: each flow's ``clicks``, and HELP."""
    flows = build_router().flows.values()
    return frozenset({key for flow in flows for key in flow.clicks} | {HELP_KEY})
