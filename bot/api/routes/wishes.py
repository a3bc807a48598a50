"""/api/v1 wishes operations (see bot/api/framework.py for how to declare one)."""

from __future__ import annotations

from bot.api.framework import Routes

routes = Routes("wishes")
