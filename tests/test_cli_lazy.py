"""The CLI imports only the module of the command that runs; the table of commands must
name every command each module registers, and nothing else."""

from __future__ import annotations

import argparse
import subprocess
import sys

from bot import cli


def _registered(module_name: str) -> set[str]:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    cli._module(module_name).register(sub)
    return set(sub.choices)


def test_every_command_is_in_the_table_and_maps_to_its_module() -> None:
    for module_name in set(cli.COMMANDS.values()):
        for command in _registered(module_name):
            assert cli.COMMANDS.get(command) == module_name, command
    for command, module_name in cli.COMMANDS.items():
        assert command in _registered(module_name), command


def test_help_lists_every_command() -> None:
    text = cli.build_parser().format_help()
    for command in cli.COMMANDS:
        assert command in text


def test_a_command_does_not_import_the_others() -> None:
    code = ("import sys; from bot import cli; cli.build_parser('ledger'); "
            "print(sorted(m for m in sys.modules if m.startswith('bot.cli.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "bot.cli.ledger" in out
    for other in ("bot.cli.serve", "bot.cli.bulletin", "bot.cli.grids"):
        assert other not in out
    assert "'bot.app'" not in out
