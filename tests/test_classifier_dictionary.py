"""The classifier's small jieba dictionary against jieba's full one (issue 17): same suggestions.

The server cuts descriptions with ``small_dictionary`` (40,000 of jieba's 500,000 entries, some
60 MB less per process). Here both classifiers suggest categories for the test examples, the
benchmark's descriptions and some 800 descriptions written from the rules' own keywords and
synonyms, and must agree on every one (codes, scores and matched words) but one, listed in
``KNOWN``: in 学校旁边灯 the full dictionary cuts 旁边 + 灯, the small one 旁 + 边灯, because
旁边 overlaps no vocabulary word, only 边灯 (kept for holding the
single-character keyword 灯): a word two steps away from the vocabulary. The lone 灯 (weight 2,
below 路灯 or 楼道灯) is lost in a sentence that names no lamp; keeping two steps of overlaps
would keep most of the dictionary.
"""

from __future__ import annotations

import itertools

import pytest

from benchmarks.report_bench import DESCRIPTIONS
from handlers.categories import classifier
from handlers.categories.classifier import Classifier
from tests.test_classifier import EXAMPLES

PLACES = ["", "小区门口", "楼下", "马路上", "3号楼", "路口", "人行道上", "单元门口", "学校旁边",
          "菜市场附近", "我家楼后", "公交站"]
TAILS = ["", "了", "很危险", "好几天了没人管", "，麻烦尽快处理一下", "，晚上看不清",
         "，老人孩子出行不方便", "太吓人了"]
JOINS = ["，", "还有", "", "而且", "旁边"]
KNOWN = {"学校旁边灯，麻烦尽快处理一下"}  # the one difference, explained above


def corpus() -> list[str]:
    """Deterministic descriptions: each keyword and synonym in a sentence, then pairs."""
    rules = classifier.default_classifier().rules
    words = sorted(rules.vocabulary)
    places, tails, joins = (itertools.cycle(x) for x in (PLACES, TAILS, JOINS))
    texts = [t for t, _ in EXAMPLES] + DESCRIPTIONS
    texts += [f"{next(places)}{w}{next(tails)}" for w in words for _ in range(2)]
    texts += [f"{next(places)}{a}{next(joins)}{b}{next(tails)}"
              for a, b in zip(words, [*words[7:], *words[:7]], strict=True)]
    return texts


@pytest.fixture(scope="module")
def full() -> Classifier:
    return Classifier(classifier.default_classifier().rules, full_dictionary=True)


def test_the_small_dictionary_suggests_what_the_full_one_does(full):
    small = classifier.default_classifier()
    texts = corpus()
    assert len(texts) >= 800
    differ = {t: (full.classify(t), small.classify(t)) for t in texts
              if full.classify(t) != small.classify(t)}
    assert set(differ) == KNOWN, differ
    assert [s.code for s in differ["学校旁边灯，麻烦尽快处理一下"][0]] == ["street_light"]


def test_the_small_dictionary_is_a_small_part_of_the_full_one(full):
    small = classifier.default_classifier()._tokenizer
    assert small.total == full._tokenizer.total  # kept words keep their probability
    assert len(small.FREQ) < len(full._tokenizer.FREQ) / 10
    for word, freq in itertools.islice(small.FREQ.items(), 0, None, 97):
        assert full._tokenizer.FREQ[word] == freq, word
