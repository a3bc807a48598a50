"""Text no database can store: NUL (PostgreSQL refuses it) and unpaired surrogates (not
UTF-8). Valid in JSON, URLs and forms, so every transport checks its input with this."""

from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\\x00\\ud800-\\udfff]")


def unstorable(text: str) -> bool:
    return _UNSTORABLE.search(text) is not None
