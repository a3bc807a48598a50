"""The public text of what people type: personal details masked, addresses coarsened.

Public outputs (Open311, the nearby-duplicate card, a supporter's view of a case, the wish
wall) show ``mask_text`` of a description and ``coarse_address`` of an address; staff, the
reporter and a wish's own people read the stored text in full.

``mask_text`` replaces with ``*`` the digits (and letters) of: mobile numbers (1[3-9]…, with
spaces, dashes or +86), landlines with an area code (0431-88886666, (010)12345678) and any
number after 电话/手机/座机/tel, ID-card and bank-card numbers (9 digits or more, 18 with a
final X), licence plates (吉A12345, 新能源 吉AD12345: the province and city letter stay),
house and room numbers (5号楼2单元301室, 3单元501, 501室, 12栋, 3-2-501), e-mail addresses,
and names introduced as 我叫/名叫/联系人/姓名 (the surname stays: 王**) or 姓X (姓*).
Case numbers (A1234), dates, times, counts (3个井盖), category codes and short numbers stay.

``mask_name`` is how a person (a reporter, a wish's poster or beneficiary, a claimant) appears
to anyone else: the first character and two stars whatever the length (王** for 王小明 and
for 王伟), 居民 without a name.

``coarse_address`` keeps the road or the building (人民大街 5号楼) and drops the unit, floor
and room, then masks the personal details above. Both fold full-width digits and letters.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from handlers import texts

_FOLD = {**{0xFF10 + i: 0x30 + i for i in range(10)},
         **{0xFF21 + i: 0x41 + i for i in range(26)},
         **{0xFF41 + i: 0x61 + i for i in range(26)},
         0xFF0B: ord("+"), 0xFF0D: ord("-"), 0xFF0E: ord("."), 0xFF20: ord("@")}

_CN = "一二三四五六七八九十两零〇"
_N = rf"(?:\d+|[{_CN}]+)"  # a number, in digits or in Chinese numerals
_BUILDING = rf"(?:\d+\s*(?:号楼|栋|幢)|[{_CN}]+\s*号楼)"
_UNIT = rf"{_N}\s*单元"
_FLOOR = rf"{_N}\s*[层楼]"
_ROOM = r"\d{2,4}\s*(?:室|房间)"
_TRIPLE = r"(?<![\d-])\d{1,3}-\d{1,2}-\d{2,4}(?![\d-])"  # building-unit-room: 3-2-501
_DWELLING = re.compile(
    rf"{_TRIPLE}|(?:{_BUILDING}|{_UNIT}|{_ROOM})"
    rf"(?:[\s-]*(?:{_UNIT}|{_FLOOR}|{_ROOM}|\d{{2,4}}(?![\d.:：年月日号个棵米元度点岁次天])))*")
_CUT = re.compile(rf"{_TRIPLE}|{_UNIT}|{_ROOM}|(?:(?<=号楼)|(?<=[栋幢]))\s*\d{{2,4}}")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_LONG_NUMBER = re.compile(r"(?<![A-Za-z\d])(?:\d{17}[Xx]|\d{9,})(?![A-Za-z\d])")
_MOBILE = re.compile(r"(?<![A-Za-z\d])(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)")
_LANDLINE = re.compile(
    r"(?<![A-Za-z\d])(?:[(（]0\d{2,3}[)）]|0\d{2,3})[\s-]?\d{3,4}[\s-]?\d{4}(?!\d)")
_AFTER_PHONE_WORD = re.compile(r"(电话|手机|座机|固话|[Tt]el|TEL)([:：\s]*)(\d[\d\s-]{3,}\d)")
_PLATE = re.compile(r"([京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼])"
                    r"([A-Za-z])([·•\s-]?)([A-Za-z0-9]{5,6})(?![A-Za-z0-9])")
_NAMED = re.compile(r"(?:我叫|名叫|联系人|姓名)[:：\s]*([\u4e00-\u9fff]{1,4})")
_SURNAME = re.compile(r"(?<![百贵尊])姓(?![名氏])([\u4e00-\u9fff])")
# Where a name introduced by 我叫… ends: the words that follow a name in a sentence.
_AFTER_NAME = set("电手联住家在的是和与今昨想要来反说请我他她打号楼单门有，")


def _stars(text: str) -> str:
    """Digits, letters and Chinese numerals as ``*``; separators and words stay."""
    return "".join("*" if ch.isascii() and ch.isalnum() or ch in _CN else ch for ch in text)


def _starred(match: re.Match[str]) -> str:
    return _stars(match.group(0))


def _plate(match: re.Match[str]) -> str:
    province, city, sep, rest = match.groups()
    if not any(ch.isdigit() for ch in rest):
        return match.group(0)
    return f"{province}{city}{sep}{'*' * len(rest)}"


def _named(match: re.Match[str]) -> str:
    name = match.group(1)
    for i, ch in enumerate(name):
        if i and ch in _AFTER_NAME:
            name = name[:i]
            break
    start = match.start(1) - match.start(0)
    return match.group(0)[:start] + name[:1] + "*" * (len(name) - 1) + match.group(0)[
        start + len(name):]


def _after_phone_word(match: re.Match[str]) -> str:
    return match.group(1) + match.group(2) + _stars(match.group(3))


_PERSONAL: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (_EMAIL, lambda m: "***@***"), (_MOBILE, _starred), (_LANDLINE, _starred),
    (_LONG_NUMBER, _starred), (_AFTER_PHONE_WORD, _after_phone_word), (_PLATE, _plate),
    (_NAMED, _named), (_SURNAME, lambda m: "姓*")]
# What every match of a pattern contains: where the text has none of it, the pattern cannot
# match and is not run (the same result, sooner: most descriptions have no such detail).
_DIGIT = re.compile(r"\d").search
_HINTED: list[tuple[Callable[[str], object] | None, re.Pattern[str],
                    Callable[[re.Match[str]], str]]] = [
    (hint, pattern, replace) for hint, (pattern, replace) in zip(
        [re.compile("@").search, _DIGIT, _DIGIT, _DIGIT, _DIGIT,
         re.compile(_PLATE.pattern[:_PLATE.pattern.index(")") + 1]).search, None, None],
        _PERSONAL, strict=True)]
# a dwelling starts with 3-2-501, …号楼/栋/幢, …单元 or …室/房间
_DWELLING_HINT = re.compile(r"[-栋幢楼元室间]").search


def _personal(text: str) -> str:
    for hint, pattern, replace in _HINTED:
        if hint is None or hint(text):
            text = pattern.sub(replace, text)
    return text


def fold(text: str) -> str:
    """Full-width digits and letters as ASCII (１３８ → 138), the rest as typed."""
    return text.translate(_FOLD)


def mask_text(text: str | None) -> str:
    """What the public may read of a text a person typed (a description, a note, a title)."""
    if not text:
        return ""
    text = _personal(fold(text))
    return _DWELLING.sub(_starred, text) if _DWELLING_HINT(text) else text


def mask_name(name: str | None) -> str:
    """A person's name as others see it: 王小明 -> 王**; no name -> 居民."""
    name = fold(name or "").strip()
    return f"{name[0]}**" if name else texts.NO_NAME


def coarse_address(address: str | None) -> str:
    """The address down to the road or the building, without unit, floor or room."""
    if not address:
        return ""
    text = fold(address)
    cut = _CUT.search(text)
    if cut:
        text = text[:cut.start()]
    return _personal(text.rstrip(" ,，、-—_/（("))
