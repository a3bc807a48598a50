"""Reading what people type: wish numbers, dates, phone numbers, addresses; distances."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

from handlers.normalize import normalize

_NUMBER = re.compile(r"^[Ww]?\s*(\d{1,9})$")
_PHONE = re.compile(r"^\+?\d{7,15}$")
_COMMUNITY = re.compile(r"^(\S{1,18}?社区)")
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_MD = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_WITHIN = re.compile(r"^(\d{1,3})天(?:内|后|之内|以内)?$")
_WORDS = {"今天": 0, "明天": 1, "后天": 2, "大后天": 3, "一周内": 7, "一星期内": 7, "两周内": 14,
          "一个月内": 30, "本周": 7, "下周": 14}


class BadDate(ValueError):
    """``reason`` is "unreadable", "past" or "far"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def wish_number(text: str) -> int | None:
    """12 from "W12", "w 12", "12", "Ｗ１２"; None otherwise."""
    match = _NUMBER.match(normalize(text))
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def number_and_rest(arg: str) -> tuple[int | None, str]:
    """("W12 原因 文字") -> (12, "原因 文字")."""
    arg = normalize(arg)
    match = re.match(r"^([Ww]?\s*\d{1,9})(?:\s+|[,，:：]|$)(.*)$", arg)
    if not match:
        return None, arg
    return wish_number(match.group(1)), match.group(2).strip()


def needed_by(text: str, today: date) -> date | None:
    """A date from tolerant input; None for "不限". Raises BadDate."""
    text = normalize(text).replace(" ", "")
    if text in ("不限", "无", "没有", "随时", "跳过", "都行"):
        return None
    if text in _WORDS:
        return today + timedelta(days=_WORDS[text])
    if match := _WITHIN.match(text):
        return check_date(today + timedelta(days=int(match.group(1))), today)
    try:
        if match := _YMD.match(text):
            y, m, d = (int(g) for g in match.groups())
            day = date(y, m, d)
        elif match := _MD.match(text):
            m, d = (int(g) for g in match.groups())
            day = date(today.year, m, d)
            day = day if day >= today else date(today.year + 1, m, d)
        else:
            raise BadDate("unreadable")
    except ValueError:  # 13月40日
        raise BadDate("unreadable") from None
    return check_date(day, today)


def check_date(day: date, today: date) -> date:
    """``day`` if it is from today to a year ahead; else BadDate("past"/"far")."""
    if day < today:
        raise BadDate("past")
    if day > today + timedelta(days=366):
        raise BadDate("far")
    return day


def phone(text: str) -> str | None:
    digits = normalize(text).replace(" ", "").replace("-", "")
    return digits if _PHONE.match(digits) else None


def community_of(address: str, org: str | None = None) -> str | None:
    """"繁荣社区 3号楼" -> "繁荣社区"; else the community in a staff member's org, if any."""
    for text in (normalize(address), *(part.strip() for part in (org or "").split("·"))):
        if match := _COMMUNITY.match(text):
            return match.group(1)
    return None


def community_name(text: str) -> str:
    name = normalize(text).replace(" ", "")
    return name if name.endswith("社区") else name + "社区"


def km_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))
