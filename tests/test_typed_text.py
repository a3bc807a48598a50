"""Issue 14: what a person typed is stored as typed (full-width punctuation and all), while
commands and answers still match tolerantly (full-width digits folded)."""

from __future__ import annotations

import pytest

from storage.core.models import Wish
from tests.support.wishes import app_bot, number_in, staff, talk

pytestmark = pytest.mark.usefixtures("db")


async def test_a_wish_keeps_its_title_and_details_as_typed(make_bot, tmp_path):
    bot = await app_bot(make_bot, tmp_path)
    await staff()
    await talk(bot, "o-res", "许愿 厨房灯不亮了！", "灯管坏了，够不着（３米高）", "４", "跳过", "不限",
               "繁荣社区 5号楼101", "跳过")
    number_in(await bot.say("o-res", "确认"))
    w = await Wish.get()
    assert (w.title, w.details) == ("厨房灯不亮了！", "灯管坏了，够不着（３米高）")
    assert w.kind.value == "repair"  # "４" still picked the 4th kind


async def test_a_wish_title_step_keeps_it_as_typed(make_bot, tmp_path):
    bot = await app_bot(make_bot, tmp_path)
    await staff()
    await talk(bot, "o-res", "许愿", "想要一根拐杖，结实的", "跳过", "1", "跳过", "不限",
               "繁荣社区 5号楼101", "跳过")
    await bot.say("o-res", "确认")
    assert (await Wish.get()).title == "想要一根拐杖，结实的"
