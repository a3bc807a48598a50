"""Typos without pypinyin's phrases (issue 17): the commands' pinyin is what the phrases say."""

from __future__ import annotations

import pypinyin.constants
from pypinyin import lazy_pinyin
from pypinyin.contrib.tone_convert import to_normal
from pypinyin.phrases_dict import phrases_dict

from handlers import typos  # noqa: F401  # sets PYPINYIN_NO_PHRASES before pypinyin loads
from handlers.engine import CANCEL_WORDS, HELP_WORDS
from handlers.routes import build_router


def test_the_phrases_are_not_loaded():
    assert pypinyin.constants.PHRASES_DICT == {}


def test_no_command_reads_otherwise_with_the_phrases():
    router = build_router()
    commands = {*router._keywords, *HELP_WORDS, *CANCEL_WORDS}
    assert len(commands) > 40 and "随手拍" in commands
    checked = 0
    for word in commands:
        for i in range(len(word)):
            for j in range(i + 2, len(word) + 1):
                if (part := word[i:j]) in phrases_dict:
                    checked += 1
                    assert lazy_pinyin(part) == [to_normal(p[0]) for p in phrases_dict[part]], part
    assert checked > 10  # the commands' phrases were looked at
