"""Values of template and subscribe messages cut to WeChat's limits.

A subscribe (or subscription-notice) template names each value by its type and position:
``thing1``, ``phrase2``, ``time3``. WeChat refuses a value longer than its type allows
(47003 "argument invalid"). Template messages follow the 2023 rules: no ``first`` or
``remark``, no colours, every value at most 20 characters and on one line.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"
TEMPLATE_LIMIT = 20  # template messages since 2023: every value
# Characters per value type (WeChat's subscribe-message table). Types with a fixed format
# (time, date, amount) are checked by WeChat against the format; they are cut as a backstop.
TYPE_LIMITS = {
    "thing": 20,
    "name": 10,
    "phrase": 5,
    "symbol": 5,
    "character_string": 32,
    "number": 32,
    "letter": 32,
    "amount": 11,
    "phone_number": 17,
    "car_number": 8,
    "time": 32,
    "date": 32,
    "const": 20,
}
DEFAULT_LIMIT = 20
_KEY = re.compile(r"([a-z_]+?)(\d*)")
_SPACE = re.compile(r"\s+")


def key_type(key: str) -> str:
    """``thing1`` -> ``thing``; ``character_string12`` -> ``character_string``."""
    match = _KEY.fullmatch(key)
    return match.group(1) if match else key


def limit_for(key: str, cap: int | None = None) -> int:
    """How many characters a value of ``key`` may have (``cap``: a channel's own maximum)."""
    limit = TYPE_LIMITS.get(key_type(key), DEFAULT_LIMIT)
    return min(limit, cap) if cap is not None else limit


def _continues(ch: str) -> bool:
    """True when ``ch`` belongs to the character before it (never cut just before it)."""
    code = ord(ch)
    return (unicodedata.category(ch) in ("Mn", "Me", "Mc")
            or code == 0x200D  # zero-width joiner
            or 0xFE00 <= code <= 0xFE0F  # variation selectors
            or 0x1F3FB <= code <= 0x1F3FF  # skin tones
            or 0xE0020 <= code <= 0xE007F  # tag characters (flags of regions)
            or 0xDC00 <= code <= 0xDFFF)  # a low surrogate: the second half of a pair


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _safe_end(text: str, end: int) -> int:
    """The largest cut position <= ``end`` that splits no character sequence."""
    while 0 < end < len(text) and (_continues(text[end]) or text[end - 1] == "\u200d"):
        end -= 1
    if 0 < end < len(text) and _regional(text[end - 1]) and _regional(text[end]):
        run = 0
        while run < end and _regional(text[end - 1 - run]):
            run += 1
        if run % 2:  # a flag's first half would stay alone
            end -= 1
    return end


def fit_value(text: str, limit: int = DEFAULT_LIMIT) -> str:
    """``text`` on one line (runs of whitespace and line breaks become one space) and at most
    ``limit`` characters: a longer one is cut and ends with "…" (counted in the limit),
    never inside a combining sequence, emoji sequence or surrogate pair."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    flat = _SPACE.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    end = _safe_end(flat, limit - 1)
    return flat[:end].rstrip() + ELLIPSIS


def fit_data(values: dict[str, str], cap: int | None = None) -> dict[str, str]:
    """Every value cut to its key's limit (and to ``cap``); empty keys are dropped."""
    return {key: fit_value(value, limit_for(key, cap)) for key, value in values.items() if key}


# The Notice fields a progress template shows, in this order: what it is about, its state,
# the change in a sentence, when. A template names them by its own keys.
NOTICE_FIELDS = ("title", "status", "text", "time")
DEFAULT_NOTICE_KEYS = "thing1,phrase2,thing3,time4"
_KEY_NAME = re.compile(r"[A-Za-z_]{1,32}[0-9]{0,3}")
_RESERVED = {"first", "remark"}  # template messages lost these in 2023


def notice_keys(spec: str) -> tuple[str, ...]:
    """``"thing1,phrase2,thing3,time4"`` -> the template keys of title, status, text and time;
    an empty place leaves that field out (``"thing1,phrase2,,time4"``). ValueError when the
    spec is not four comma-separated keys of letters and digits, or uses first/remark."""
    keys = tuple(part.strip() for part in spec.split(","))
    if len(keys) != len(NOTICE_FIELDS):
        raise ValueError(f"expected {len(NOTICE_FIELDS)} comma-separated keys "
                         f"({', '.join(NOTICE_FIELDS)}), got {len(keys)}")
    named = [k for k in keys if k]
    if not named:
        raise ValueError("at least one key is needed")
    for key in named:
        if not _KEY_NAME.fullmatch(key) or key.lower() in _RESERVED:
            raise ValueError(f"{key!r} is not a usable template key")
    if len(set(named)) != len(named):
        raise ValueError("a key is named twice")
    return keys
