"""The command a mistyped word most likely meant (帮主 → 帮助, 随手排 → 随手拍).

Chinese typos are mostly homophones picked from the input method's list, so a word is
compared with every command twice: by its characters and by its pinyin (``pypinyin``, tones
dropped). The commands' pinyin is computed once, when the router is built.

pypinyin is imported without its dictionary of phrases (PYPINYIN_NO_PHRASES): each character
gets its usual reading. The phrases (and the prefix index built from them) are 45 MB of every
server process, and change the pinyin of none of the commands (tests/test_typos_pinyin.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")  # read by pypinyin when it is imported

from pypinyin import lazy_pinyin

_HAN = re.compile(r"[\u4e00-\u9fff]")
MAX_LENGTH = 8  # longer texts are sentences, not mistyped commands


def _distance(a: str | list[str], b: str | list[str]) -> int:
    """Levenshtein distance between two sequences (characters or syllables)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class _Word:
    text: str
    syllables: tuple[str, ...]
    letters: str


def _word(text: str) -> _Word:
    syllables = tuple(lazy_pinyin(text))
    return _Word(text, syllables, "".join(syllables))


class Typos:
    """The commands' words, ready to be compared with what a person typed."""

    def __init__(self, commands: Iterable[str]) -> None:
        self._words = [_word(c) for c in dict.fromkeys(commands)
                       if len(c) >= 2 and _HAN.search(c)]

    def nearest(self, text: str) -> str | None:
        """The command ``text`` most likely meant, or None when nothing is close."""
        head = text.strip().split(maxsplit=1)[0] if text.strip() else ""
        if not 2 <= len(head) <= MAX_LENGTH or not _HAN.search(head):
            return None
        typed = _word(head)
        best: tuple[int, int, str] | None = None
        for word in self._words:
            score = _score(typed, word)
            if score is not None and (best is None or score < best[:2]):
                best = (*score, word.text)
        return best[2] if best else None


def _score(typed: _Word, word: _Word) -> tuple[int, int] | None:
    """(pinyin distance, character distance) when ``typed`` is close enough to ``word``."""
    if typed.text == word.text:
        return None
    chars = _distance(typed.text, word.text)
    sounds = _distance(typed.letters, word.letters)
    if typed.syllables == word.syllables:  # a homophone: 帮主 / 帮助
        return 0, chars
    if len(word.text) >= 3 and chars <= 1:  # one character off a longer word: 随手排
        return sounds, chars
    if len(typed.text) == len(word.text) and sounds <= 1:  # one letter off: 积份 / 积分
        return sounds, chars
    return None
