"""Category suggestions for a report, restricted to the categories currently active."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.categories.classifier import classify, warm_up
from handlers.categories.queries import active_categories
from storage.geo.models import Category


@dataclass(frozen=True)
class CategorySuggestion:
    category: Category
    score: float  # the sum of the matched keywords' weights; 0 for the fallback
    words: tuple[str, ...]  # what matched, e.g. ("井盖",)


async def suggest(text: str, *, limit: int = 3) -> list[CategorySuggestion]:
    """Up to ``limit`` active categories for a description, best first.

    Unknown text gives the fallback category (其他) with score 0; an empty list only when the
    fallback itself is not active. jieba is loaded in a worker thread if it is not yet.
    """
    await warm_up()
    active = {c.code: c for c in await active_categories()}
    return [CategorySuggestion(active[s.code], s.score, s.words)
            for s in classify(text, limit=limit, allowed=set(active))]
