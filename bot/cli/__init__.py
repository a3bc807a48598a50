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
    "media": "media",
    "sandbox": "sandbox",
    "people": "people",
    "doctor": "doctor",
    "wechat": "wechat",
    "qr": "qr",
}


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"bot.cli.{name}")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("linli")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


class _Version(argparse.Action):
    """``--version``, reading the installed version only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print linli's version and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"linli {_version()}")
        parser.exit()


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or only the module that registers ``only``."""
    from bot.cli.failures import EXIT_CODES

    parser = argparse.ArgumentParser(prog="linli", description="linli (邻里) service and tools",
                                     epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=_Version)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    names = [COMMANDS[only]] if only in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in names:
        _module(name).register(subparsers)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    return argv[0] if argv and not argv[0].startswith("-") else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit code (see ``bot.cli.failures.EXIT_CODES``). Expected
    failures (configuration, a database not migrated, PostgreSQL or Redis unreachable, the
    output's reader gone) are one line on stderr, never a traceback."""
    from bot.cli import failures

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser(_command_of(argv))
        args = parser.parse_args(argv)
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in Python's exit
        return code
    except SystemExit:  # --help, --version, a usage error: argparse printed and exits
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            return failures.quiet_broken_pipe()
        raise
    except BrokenPipeError:
        return failures.quiet_broken_pipe()
    except KeyboardInterrupt:
        return failures.INTERRUPTED
    except Exception as exc:
        explained = failures.explain(exc)
        if explained is None:
            raise  # a bug: its traceback is what to report
        code, line = explained
        print(line, file=sys.stderr)
        return code


if __name__ == "__main__":  # python -m bot.cli
    sys.exit(main())
