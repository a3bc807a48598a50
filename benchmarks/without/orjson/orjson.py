"""Stands in for orjson when benchmarks/without/orjson is first on PYTHONPATH: the same
``dumps``/``loads`` linli calls, written with the standard json module."""

from __future__ import annotations

import json
from typing import Any

OPT_NON_STR_KEYS = 1
JSONDecodeError = json.JSONDecodeError


def dumps(obj: Any, default: Any = None, option: int = 0) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"),
                      default=default).encode()


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    return json.loads(data)
