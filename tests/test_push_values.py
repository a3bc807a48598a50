"""Template and subscribe values cut to WeChat's limits; the sandbox holds the 2023 rules."""

from __future__ import annotations

import unicodedata

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import SANDBOX_APPID, SANDBOX_SECRET
from bot.wechat.client import WeChatClient
from bot.wechat.errors import WeChatError
from bot.wechat.retry import RetryPolicy
from bot.wechat.values import ELLIPSIS, fit_data, fit_value, limit_for, notice_keys
from tests.support.push import TEMPLATE

# Text with the hard cases: CJK, line breaks and tabs, combining marks, emoji sequences, flags.
PIECES = st.sampled_from([
    "随手拍", "已受理", "处理中", "\n", "\r\n", "\t", "  ", "e\u0301", "a\u0308\u0323",
    "👩\u200d👩\u200d👧", "👍🏽", "❤\ufe0f", "🇨🇳", "🇭🇰🇲🇴", "A1234", " ", "。",
])
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=30).map("".join)


def _continues(ch: str) -> bool:
    return (unicodedata.category(ch) in ("Mn", "Me", "Mc") or ch in "\u200d\ufe0f"
            or 0x1F3FB <= ord(ch) <= 0x1F3FF)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(min_value=1, max_value=40))
def test_fit_value_fits_on_one_line_and_keeps_a_prefix(text, limit):
    out = fit_value(text, limit)
    flat = " ".join(text.split())
    assert len(out) <= limit
    assert "\n" not in out and "\r" not in out and "  " not in out and out == out.strip()
    if len(flat) <= limit:
        assert out == flat
        return
    assert out.endswith(ELLIPSIS)
    kept = out[:-1]
    assert flat.startswith(kept)
    rest = flat[len(kept.rstrip()):].lstrip()
    # Never cut inside a sequence: what follows the cut does not belong to what is kept.
    if kept and rest:
        assert not _continues(rest[0]) and not kept.endswith("\u200d")


def test_fit_value_examples():
    assert fit_value("您反映的问题\n已经\t受理") == "您反映的问题 已经 受理"
    assert fit_value("一二三四五六七八九十一二三四五六七八九十一", 20) == (
        "一二三四五六七八九十一二三四五六七八九" + ELLIPSIS)
    assert fit_value("处理中了", 5) == "处理中了"
    assert fit_value("已经处理完毕", 5) == "已经处理" + ELLIPSIS
    # A combining accent stays with its letter; a family emoji is kept whole or not at all.
    assert fit_value("abcde\u0301fg", 6) == "abcd" + ELLIPSIS
    assert fit_value("ab👩\u200d👩\u200d👧cd", 5) == "ab" + ELLIPSIS
    assert fit_value("🇨🇳🇭🇰x", 4) == "🇨🇳" + ELLIPSIS
    with pytest.raises(ValueError):
        fit_value("x", 0)


def test_limits_by_key_type():
    assert limit_for("thing1") == 20 and limit_for("phrase2") == 5
    assert limit_for("character_string12") == 32 and limit_for("keyword1") == 20
    assert limit_for("character_string3", cap=20) == 20
    data = fit_data({"thing1": "一" * 30, "phrase2": "已经处理完毕", "": "x"})
    assert data == {"thing1": "一" * 19 + ELLIPSIS, "phrase2": "已经处理" + ELLIPSIS}


@pytest.mark.parametrize("spec", ["thing1,phrase2,time3", "first,keyword1,keyword2,time3",
                                  "thing1,phrase2,thing1,time4", ",,,", "thing 1,a,b,c",
                                  "thing1,phrase2,remark,time4"])
def test_notice_keys_refuse_bad_specs(spec):
    with pytest.raises(ValueError):
        notice_keys(spec)


def test_notice_keys_may_leave_a_field_out():
    assert notice_keys("thing1, phrase2,,time4") == ("thing1", "phrase2", "", "time4")


# -- the sandbox refuses what WeChat refuses -------------------------------------------------


@pytest.mark.parametrize("data", [
    {"first": {"value": "您好"}, "thing1": {"value": "随手拍"}},
    {"thing1": {"value": "随手拍"}, "remark": {"value": "谢谢"}},
    {"thing1": {"value": "随手拍", "color": "#173177"}},
    {"thing1": {"value": "一" * 21}},
    {"thing1": {"value": "第一行\n第二行"}},
    {},
])
async def test_sandbox_template_send_refuses_old_style_data(sandbox, kv, data):
    sandbox.state.templates.add("tpl")
    async with aiohttp.ClientSession() as http:
        wechat = WeChatClient(http, kv, SANDBOX_APPID, SANDBOX_SECRET, sandbox.url,
                              retry=RetryPolicy(attempts=1, base_delay=0.01))
        with pytest.raises(WeChatError) as refused:
            await wechat.send_template("o1", "tpl", data)
        assert refused.value.code == (47001 if not data else 47003)
        await wechat.send_template("o1", "tpl", {"thing1": "一" * 20, "time2": "2026-11-21 09:30"})
    assert [m["endpoint"] for m in sandbox.state.sent] == [TEMPLATE]


def test_settings_check_the_template_keys_and_the_mini_programs_template():
    from bot.config import ConfigError, Settings

    settings = Settings.from_env({"LINLI_WECHAT_TEMPLATE_PROGRESS_KEYS": "thing2, phrase3,,time5",
                                  "LINLI_WECHAT_SUBSCRIBE_LONG_TERM": "lt-1, lt-2,lt-1"})
    assert settings.template_progress_keys == "thing2, phrase3,,time5"
    assert settings.subscribe_long_term == ("lt-1", "lt-2")
    with pytest.raises(ConfigError, match="LINLI_WECHAT_TEMPLATE_PROGRESS_KEYS"):
        Settings.from_env({"LINLI_WECHAT_TEMPLATE_PROGRESS_KEYS": "first,keyword1,keyword2,remark"})
    with pytest.raises(ConfigError, match="LINLI_MINIAPP_APPID"):
        Settings.from_env({"LINLI_MINIAPP_SUBSCRIBE_PROGRESS": "mini-t"})
