"""``linli migrate``: apply the committed schema migrations."""

from __future__ import annotations

import argparse
import asyncio

from bot.config import Settings
from storage.db import migrate


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("migrate", help="apply database migrations")
    p.set_defaults(func=run_migrate)


def run_migrate(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    asyncio.run(migrate(settings.database_url))
    print(f"migrations applied to {settings.database_url.split('@')[-1]}")
    return 0
