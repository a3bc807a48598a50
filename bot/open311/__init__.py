"""Open311 GeoReport v2 at ``/open311/v2``: routes and XML/JSON rendering (transport only)."""

from bot.open311.routes import PREFIX, add_routes

__all__ = ["PREFIX", "add_routes"]
