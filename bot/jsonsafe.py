"""``json.loads`` for untrusted input: nesting beyond ``MAX_DEPTH`` is a ``ValueError``.

The standard parser recurses once per level, so ``[[[[...`` 100,000 deep raises
``RecursionError`` (a 500 wherever only ``ValueError`` is expected), and a document just
under the interpreter's limit still exhausts the stack of whatever walks it next. No request
of ours nests more than a few levels.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32


class JsonTooDeep(ValueError):
    pass


def loads(raw: str | bytes | bytearray, max_depth: int = MAX_DEPTH) -> Any:
    """The document in ``raw``; ``ValueError`` when malformed or nested too deep."""
    try:
        doc = json.loads(raw)
    except RecursionError:
        raise JsonTooDeep("JSON nested too deep") from None
    if too_deep(doc, max_depth):
        raise JsonTooDeep(f"JSON nested deeper than {max_depth}")
    return doc


def too_deep(doc: Any, max_depth: int = MAX_DEPTH) -> bool:
    """Whether ``doc`` has more than ``max_depth`` levels of arrays and objects (no recursion)."""
    stack = [(doc, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth + 1 > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
