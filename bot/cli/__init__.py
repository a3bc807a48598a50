"""The ``linli`` command line. Each module here registers one group of subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import (
    bulletin,
    categories,
    chat,
    console,
    demo,
    doctor,
    grids,
    points,
    privacy,
    rewards_cmd,
    serve,
    sessions,
    staff,
    wishes,
)
from bot.cli import db as db_cmds
from bot.cli import ledger as ledger_cmds
from bot.cli import open311 as open311_cmds
from bot.cli import reports as reports_cmds
from bot.config import ConfigError

# Modules that add subcommands: each has ``register(subparsers)`` and sets ``func`` on its
# parsers to a callable ``func(args) -> int``.
GROUPS = [db_cmds, serve, staff, demo, chat, points, rewards_cmd, ledger_cmds, wishes,
          grids, categories, reports_cmds, bulletin, open311_cmds, sessions, console, privacy,
          doctor]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linli", description="linli (邻里) service and tools")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # python -m bot.cli
    sys.exit(main())
