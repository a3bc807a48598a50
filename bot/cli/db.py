"""``linli migrate``: apply the committed schema migrations."""

from __future__ import annotations

import argparse
import asyncio

from bot.config import Settings
from storage.db import display_url, migrate


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("migrate", help="apply database migrations")
    p.set_defaults(func=run_migrate)


def run_migrate(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    asyncio.run(migrate(settings.database_url))
    print(f"migrations applied to {display_url(settings.database_url)}")
    return 0
