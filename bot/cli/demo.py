"""``linli demo-data``: load the demo street, staff and rewards."""

from __future__ import annotations

import argparse

from bot.cli.context import run_with_storage
from handlers.demo import load_demo_data


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("demo-data", help="load demo data (idempotent)")
    p.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    async def work(_settings, _kv) -> list[str]:
        return await load_demo_data()

    for line in run_with_storage(work):
        print(f"demo data: {line}")
    return 0
