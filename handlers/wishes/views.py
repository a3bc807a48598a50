"""How wishes look in chat: cards, wall lines, lists. Private details only when asked for.

The wall and a card for someone not involved in the wish show its title and details masked
(``handlers.masking``: phone numbers, house and room numbers, names…); the beneficiary's
name is always masked outside ``private``.
"""

from __future__ import annotations

from datetime import date, datetime

from handlers.masking import mask_text
from handlers.wishes import texts
from storage import clock
from storage.core.models import Wish


def when(moment: datetime) -> str:
    local = clock.local(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def day(value: date | None) -> str:
    return texts.DUE.format(date=f"{value.month}月{value.day}日") if value else texts.NO_DATE


def masked(name: str) -> str:
    """"周桂兰" -> "周**": lists never show a beneficiary's full name."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else texts.NOT_GIVEN


def card(wish: Wish, private: bool = False, public: bool = False) -> str:
    """``private``: with the contact details (the claimant); ``public``: title and details
    masked (a viewer not involved in the wish)."""
    text = texts.CARD.format(
        number=wish.number, kind=texts.KIND_NAMES[wish.kind],
        title=mask_text(wish.title) if public else wish.title,
        details=(mask_text(wish.details) if public else wish.details) or texts.NOT_GIVEN,
        who=wish.beneficiary_name if private else masked(wish.beneficiary_name),
        community=wish.community or texts.NOT_GIVEN, due=day(wish.needed_by))
    return text + "\n" + contact(wish) if private else text


def contact(wish: Wish) -> str:
    return texts.CARD_PRIVATE.format(name=wish.beneficiary_name or texts.NOT_GIVEN,
                                     address=wish.address or texts.NOT_GIVEN,
                                     phone=wish.phone or texts.NOT_GIVEN)


def wall_line(wish: Wish, km: float | None) -> str:
    distance = texts.DISTANCE.format(km=f"{km:.1f}") if km is not None else ""
    return texts.WALL_LINE.format(number=wish.number, kind=texts.KIND_NAMES[wish.kind],
                                  title=mask_text(wish.title), community=wish.community or texts.NOT_GIVEN,
                                  due=day(wish.needed_by), distance=distance)


def draft_card(data: dict, name: str) -> str:
    due = date.fromisoformat(data["needed_by"]) if data.get("needed_by") else None
    lines = [texts.CARD.format(number="", kind=texts.KIND_NAMES[data["kind"]],
                               title=data["title"], details=data.get("details") or texts.NOT_GIVEN,
                               who=name or texts.NOT_GIVEN,
                               community=data.get("community") or texts.NOT_GIVEN, due=day(due)),
             f"地址：{data.get('address') or texts.NOT_GIVEN}",
             f"电话：{data.get('phone') or texts.NOT_GIVEN}"]
    if data.get("media_id"):
        lines.append("照片：1 张")
    return "\n".join(lines)
