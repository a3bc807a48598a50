"""Tolerant matching of what people type: full-width forms, stray spaces, optional separators."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC folds full-width digits, letters and spaces (１２３ → 123, '　' → ' ')."""
    text = unicodedata.normalize("NFKC", text or "")
    return _SPACES.sub(" ", text).strip()


def split_command(text: str, keywords: tuple[str, ...]) -> tuple[str, str] | None:
    """Match ``text`` against command keywords, with or without a space before an argument.

    Returns (keyword, argument) for the longest keyword that prefixes the text, else None.
    ``绑定 123456``, ``绑定123456`` and ``绑定：123456`` all give ("绑定", "123456").
    """
    for keyword in sorted(keywords, key=len, reverse=True):
        if text == keyword:
            return keyword, ""
        if text.startswith(keyword):
            rest = text[len(keyword):]
            return keyword, rest.lstrip(" :：,，").strip()
    return None


def parse_int(text: str) -> int | None:
    """A whole number from tolerant input, or None."""
    text = normalize(text)
    return int(text) if text.isdigit() else None


def typed_tail(typed: str, folded: str) -> str:
    """The end of ``typed`` (the raw text) that folds to ``folded`` (its normalized tail, a
    command's argument say), so what is stored is what the person typed; ``folded`` itself
    when the raw text is unknown or does not end that way."""
    folded = folded.strip()
    if not typed or not folded:
        return folded
    for start in range(len(typed)):
        if normalize(typed[start:]) == folded:
            return typed[start:].strip()
    return folded
