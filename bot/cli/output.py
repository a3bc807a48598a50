"""``--json`` output of the commands: one JSON document on stdout, UTF-8 as is (不转义),
dates as ISO 8601, keys in a fixed order."""

from __future__ import annotations

import argparse
import dataclasses
import json
from datetime import date, datetime
from enum import Enum


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output (JSON)")


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def print_json(doc: object) -> None:
    print(json.dumps(doc, ensure_ascii=False, indent=2, default=_plain))
