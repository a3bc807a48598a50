"""Reading what people type for wishes: numbers, dates, phones, communities; demo data."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.demo import load_demo_data
from handlers.wishes.parse import (
    BadDate,
    community_name,
    community_of,
    km_between,
    needed_by,
    number_and_rest,
    phone,
    wish_number,
)
from storage.core.models import Volunteer, Wish

TODAY = date(2026, 11, 21)


@pytest.mark.parametrize("text,number", [("W12", 12), ("w12", 12), ("Ｗ１２", 12), ("12", 12),
                                         ("W 12", 12), ("W0", None), ("A12", None),
                                         ("W12x", None), ("", None)])
def test_wish_numbers(text, number):
    assert wish_number(text) == number


def test_number_and_rest():
    assert number_and_rest("W12 信息不完整 请补充") == (12, "信息不完整 请补充")
    assert number_and_rest("w7，没送到") == (7, "没送到")
    assert number_and_rest("W12") == (12, "")
    assert number_and_rest("拐杖") == (None, "拐杖")


@pytest.mark.parametrize("text,expected", [
    ("明天", date(2026, 11, 22)), ("一周内", date(2026, 11, 28)), ("3天内", date(2026, 11, 24)),
    ("12月1日", date(2026, 12, 1)), ("12-1", date(2026, 12, 1)), ("1月5号", date(2027, 1, 5)),
    ("2026-12-31", date(2026, 12, 31)), ("2026年12月31日", date(2026, 12, 31)),
    ("２０２６／１２／３１", date(2026, 12, 31)), ("不限", None), ("今天", TODAY)])
def test_dates(text, expected):
    assert needed_by(text, TODAY) == expected


@pytest.mark.parametrize("text,reason", [("2026-11-20", "past"), ("2028-01-01", "far"),
                                         ("500天内", "far"), ("13月40日", "unreadable"),
                                         ("下下周", "unreadable"), ("2026-02-30", "unreadable")])
def test_bad_dates(text, reason):
    with pytest.raises(BadDate) as caught:
        needed_by(text, TODAY)
    assert caught.value.reason == reason


def test_phones_communities_distance():
    assert phone("139 1234-5678") == "13912345678" and phone("12") is None
    assert phone("电话") is None
    assert community_of("繁荣社区 3号楼") == "繁荣社区"
    assert community_of("3号楼2单元", "南湖街道 · 繁荣社区") == "繁荣社区"
    assert community_of("3号楼2单元") is None
    assert community_name("繁荣") == "繁荣社区" and community_name("繁荣社区") == "繁荣社区"
    assert 0.10 < km_between(43.886, 125.318, 43.887, 125.318) < 0.12


async def test_demo_data_is_idempotent(db):
    first = await load_demo_data()
    await load_demo_data()
    assert any("wishes" in line for line in first)
    assert await Wish.all().count() == 3
    assert await Volunteer.filter(openid="demo-volunteer").count() == 1
