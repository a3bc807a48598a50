"""The privacy notice (issue 16, "tell them"): once per person after their first report, wish
or volunteer registration; again on 隐私; the same text at GET /api/v1/privacy; the periods
it names are the retention settings."""

from __future__ import annotations

import pytest
from tortoise import timezone

from handlers.context import Retention
from handlers.pipeline import _Notice
from handlers.privacy import notice
from storage.core.models import ProcessedMessage, Volunteer, Wish
from storage.dedup import AlreadyHandled, effect
from tests.support.reports import number_in, report, report_bot
from tests.support.wishes import talk

pytestmark = pytest.mark.usefixtures("db")

HEAD = "【个人信息说明】"


@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


async def test_the_first_report_carries_the_notice_once(rbot):
    bot = rbot
    # Talking is not contributing: no notice yet.
    assert HEAD not in await bot.say("o-a", "我的上报")
    first = await report(bot, "o-a")
    number = number_in(first)
    assert HEAD in first and first.index(number) < first.index(HEAD)
    assert "30天后删除地址和电话" in first and "180天后精确位置模糊" in first
    assert "「我的数据」" in first and "「注销」" in first
    assert await ProcessedMessage.filter(dedup_key="privacy-notice:o-a").count() == 1
    # Decided in the effect's transaction and stored with it: the message's record and its
    # step's carry the notice, so a repeat delivery answers the same.
    stored = [r.dedup_key for r in await ProcessedMessage.filter(openid="o-a")
              if HEAD in (r.reply or "")]
    assert len(stored) == 2 and any(k.startswith("step:") for k in stored), stored
    # The second report, and anything after, goes without it.
    second = await report(bot, "o-a", desc="井盖丢了很危险", color="blue",
                          lat=43.8900, answer="不是")
    assert HEAD not in second
    assert HEAD not in await bot.say("o-a", "我的上报")
    # 隐私 shows it again, to anyone.
    again = await bot.say("o-a", "隐私")
    assert again == notice.text(Retention())
    assert (await bot.say("o-new", "隐私")).startswith(HEAD)


async def test_a_volunteer_registration_and_a_wish_each_count_once(rbot):
    bot = rbot
    replies = await talk(bot, "o-vol", "志愿者注册", "陈晓", "跳过", "跑腿、维修", "繁荣", "是",
                         "跳过")
    assert "注册成功" in replies[-1] and HEAD in replies[-1]
    replies = await talk(bot, "o-vol", "许愿 想要一根拐杖", "腿脚不便", "1", "跳过", "一周内",
                         "繁荣社区 3号楼", "跳过", "确认")
    assert await Wish.filter(poster_openid="o-vol").exists(), replies
    assert all(HEAD not in (r or "") for r in replies)


async def test_the_notice_is_rolled_back_with_an_effect_that_is_a_repeat():
    """The marker is written in the effect's transaction: an effect that turns out to be a
    repeat (its record's key is taken) rolls it back, and the person is told next time."""
    now = timezone.now()
    await Volunteer.create(openid="o-v", name="陈晓", created_at=now, updated_at=now)
    await ProcessedMessage.create(dedup_key="msg-1", openid="o-v", reply="第一次的回复")
    told = _Notice("o-v", Retention())
    with pytest.raises(AlreadyHandled) as repeat:
        async with effect("msg-1", "o-v", before_record=told.before_record) as record:
            record.reply = "好的"
    assert repeat.value.reply == "第一次的回复"
    assert not told.asked and await told.told("好的", ()) != "好的"  # asked afresh: told now
    assert await ProcessedMessage.filter(dedup_key="privacy-notice:o-v").count() == 1
    assert not await notice.first_time("o-v")


async def test_the_periods_come_from_the_settings(make_bot, tmp_path):
    bot = await make_bot(media_dir=tmp_path / "media", retention_wish_contact_days=7,
                         retention_case_location_days=60, retention_draft_hours=2)
    text = await bot.say("o-a", "隐私")
    assert "心愿结束7天后删除地址和电话" in text and "问题办结60天后" in text
    assert "最多保留2小时" in text and "90天后删除心愿照片" in text


async def test_the_api_serves_the_same_text_without_signing_in(bot):
    resp = await bot.client.get("/api/v1/privacy")
    assert resp.status == 200
    body = await resp.json()
    assert body["text"] == await bot.say("o-a", "隐私")
    assert body["retention"] == {"wish_contact_days": 30, "wish_photo_days": 90,
                                 "case_location_days": 180, "processed_message_days": 30,
                                 "draft_hours": 24}
