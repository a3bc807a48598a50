"""The ``linli`` command line. Each module here registers one group of subcommands.

Modules are imported only when their command runs: ``linli points balance`` does not pay for
importing the web app, jieba or the bulletin. ``linli --help`` (or an unknown command) imports
them all to list every command.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

# Command -> the module under bot.cli that registers it. Each module has
# ``register(subparsers)`` and sets ``func`` on its parsers to ``func(args) -> int``.
# tests/test_cli_lazy.py checks this table against what every module registers.
COMMANDS: dict[str, str] = {
    "migrate": "db",
    "serve": "serve",
    "scheduler": "serve",
    "staff": "staff",
    "demo-data": "demo",
    "chat": "chat",
    "points": "points",
    "rewards": "rewards_cmd",
    "ledger": "ledger",
    "wishes": "wishes",
    "grids": "grids",
    "categories": "categories",
    "reports": "reports",
    "bulletin": "bulletin",
    "open311": "open311",
    "sessions": "sessions",
    "console": "console",
    "privacy": "privacy",
    "doctor": "doctor",
}


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"bot.cli.{name}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or only the module that registers ``only``."""
    parser = argparse.ArgumentParser(prog="linli", description="linli (邻里) service and tools")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    names = [COMMANDS[only]] if only in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in names:
        _module(name).register(subparsers)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    return argv[0] if argv and not argv[0].startswith("-") else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_of(argv))
    args = parser.parse_args(argv)
    from bot.config import ConfigError

    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # python -m bot.cli
    sys.exit(main())
