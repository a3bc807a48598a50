"""Suggesting a report's category from its description: jieba words scored by rules in data.

``data/classifier.json`` holds, per category code, keywords with weights, plus synonyms mapped
to a canonical keyword. jieba (with every keyword and synonym added to its dictionary) cuts the
text into words; each category scores the sum of the weights of the distinct words it lists.
jieba's dictionary is cut down to the words that can compete with the rules' vocabulary
(``small_dictionary``, issue 17: memory). Reading it takes about a second: it is loaded once per process, on first use
or ahead of time by ``warm_up()`` in a worker thread. The HMM guesser of new words is off, so
that a keyword never disappears inside a guessed word.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handlers.categories.jieba_import import jieba
from handlers.geo.datafile import read_json
from handlers.geo.errors import GeoDataError
from handlers.normalize import normalize

RULES_FILE = Path(__file__).parent / "data" / "classifier.json"
# The dictionary frequency given to domain words: that of common words, so that 路灯 + 不亮
# beats jieba's own 路 + 灯不亮 (its dictionary totals ~60 million).
WORD_FREQ = 100_000


@dataclass(frozen=True)
class Suggestion:
    code: str
    score: float
    words: tuple[str, ...]  # the canonical keywords that matched


@dataclass(frozen=True)
class Rules:
    fallback: str
    min_score: float
    synonyms: dict[str, str]
    weights: dict[str, dict[str, float]]  # category code -> word -> weight, in file order

    @property
    def vocabulary(self) -> set[str]:
        return set(self.synonyms) | {w for ws in self.weights.values() for w in ws}


def parse_rules(doc: Any) -> Rules:
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), dict) or not doc["rules"]:
        raise GeoDataError(['the rules file has no "rules" object'])
    problems = []
    fallback, min_score = doc.get("fallback"), doc.get("min_score", 1)
    if not isinstance(fallback, str) or not fallback:
        problems.append('"fallback" must be a category code')
    if not _number(min_score) or min_score <= 0:
        problems.append('"min_score" must be a positive number')
    synonyms = doc.get("synonyms", {})
    if not isinstance(synonyms, dict) or not all(
            isinstance(k, str) and k and isinstance(v, str) and v for k, v in synonyms.items()):
        problems.append('"synonyms" must map words to words')
    weights: dict[str, dict[str, float]] = {}
    for code, words in doc["rules"].items():
        if not isinstance(words, dict) or not words:
            problems.append(f"rules of {code}: must map keywords to weights")
            continue
        if bad := [w for w, v in words.items() if not w or not _number(v) or v == 0]:
            problems.append(f"rules of {code}: weights must be non-zero numbers ({bad[0]!r})")
            continue
        weights[code] = {normalize(w).lower(): float(v) for w, v in words.items()}
    if problems:
        raise GeoDataError(problems)
    return Rules(fallback, float(min_score),
                 {normalize(k).lower(): normalize(v).lower() for k, v in synonyms.items()},
                 weights)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(
        value)


def _overlaps(word: str, vocabulary: set[str], inside: set[str], heads: set[str],
              tails: set[str]) -> bool:
    """Whether ``word`` can compete with a vocabulary word for the same characters: it holds
    one, lies inside one, or its end is a vocabulary word's beginning or the other way round
    (楼下 against 下雨, 路上 against 上冻). Overlaps of a single character count for words of
    two characters only: longer ones would bring in most of the dictionary."""
    n = len(word)
    shortest = 1 if n == 2 else 2
    return (word in inside
            or any(word[i:j] in vocabulary for i in range(n) for j in range(i + 1, n + 1))
            or any(word[i:] in heads for i in range(1, n + 1 - shortest))
            or any(word[:i] in tails for i in range(shortest, n)))


def _dictionary_lines() -> Iterator[tuple[str, int]]:
    with jieba.get_dict_file() as f:
        for raw in f:
            word, freq = raw.decode("utf-8").split(" ", 2)[:2]
            yield word, int(freq)


def small_dictionary(vocabulary: set[str]) -> tuple[dict[str, int], int]:
    """jieba's prefix dictionary (FREQ, total) cut down to what decides how the vocabulary's
    words are cut.

    Kept from jieba's dict.txt: every single character (the fall-back route, with its
    frequency), every word that can compete with a vocabulary word (``_overlaps``) and the
    dictionary words that begin those; the total stays that of the whole dictionary, so a kept
    word has the same probability as in the full one. About 40,000 of the 500,000 entries
    (jieba's words and their beginnings): some 60 MB less per process for the same
    suggestions (tests/test_classifier_dictionary.py compares both on a corpus).
    """
    inside = {v[i:j] for v in vocabulary for i in range(len(v)) for j in range(i + 1, len(v) + 1)}
    heads = {v[:i] for v in vocabulary for i in range(1, len(v))}
    tails = {v[i:] for v in vocabulary for i in range(1, len(v))}
    chars = {c for v in vocabulary for c in v}
    kept: dict[str, str] = {}  # the same string objects become the keys: less to free after
    for word, _ in _dictionary_lines():
        if len(word) > 1 and not chars.isdisjoint(word) and _overlaps(
                word, vocabulary, inside, heads, tails):
            kept.update((word[:i], word[:i]) for i in range(2, len(word) + 1))  # + beginnings
    freq: dict[str, int] = {}
    total = 0
    for word, count in _dictionary_lines():
        total += count
        if len(word) == 1 or word in kept:
            freq[kept.get(word, word)] = count
            for i in range(1, len(word)):
                freq.setdefault(kept.get(word[:i], word[:i]), 0)
    return freq, total


class Classifier:
    def __init__(self, rules: Rules, *, full_dictionary: bool = False) -> None:
        """``full_dictionary``: jieba's whole dictionary (the reference the small one is
        compared with) instead of ``small_dictionary``."""
        self.rules = rules
        self._tokenizer = jieba.Tokenizer()
        if full_dictionary:
            self._tokenizer.initialize()
        else:
            self._tokenizer.FREQ, self._tokenizer.total = small_dictionary(rules.vocabulary)
            self._tokenizer.initialized = True
        for word in sorted(rules.vocabulary):
            if len(word) > 1:  # single characters are in jieba's dictionary already
                self._tokenizer.add_word(word, max(self._tokenizer.FREQ.get(word, 0), WORD_FREQ))

    def words(self, text: str) -> list[str]:
        """The canonical words of a text: segmented, synonyms mapped, spaces dropped."""
        cut = self._tokenizer.lcut(normalize(text).lower(), HMM=False)
        return [self.rules.synonyms.get(w, w) for w in cut if w.strip()]

    def classify(self, text: str, *, limit: int = 3, allowed: set[str] | None = None
                 ) -> list[Suggestion]:
        """Up to ``limit`` categories, best first; the fallback alone when nothing matches."""
        words = set(self.words(text))
        ranked = []
        for order, (code, weights) in enumerate(self.rules.weights.items()):
            if allowed is not None and code not in allowed:
                continue
            hits = sorted(w for w in words if w in weights)
            score = sum(weights[w] for w in hits)
            if score >= self.rules.min_score:
                ranked.append((-score, order, Suggestion(code, score, tuple(hits))))
        if ranked:
            return [s for *_, s in sorted(ranked)][:limit]
        fallback = self.rules.fallback
        return [] if allowed is not None and fallback not in allowed else [
            Suggestion(fallback, 0.0, ())]


_lock = threading.Lock()
_default: Classifier | None = None


def default_classifier() -> Classifier:
    """The process's classifier on the packaged rules, built on first use (thread-safe)."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" on stderr
                _default = Classifier(parse_rules(read_json(RULES_FILE)))
    return _default


def is_loaded() -> bool:
    return _default is not None


async def warm_up() -> None:
    """Load jieba and the rules in a worker thread, so no request waits on it."""
    if _default is None:
        await asyncio.to_thread(default_classifier)


def classify(text: str, *, limit: int = 3, allowed: set[str] | None = None
             ) -> list[Suggestion]:
    return default_classifier().classify(text, limit=limit, allowed=allowed)
