"""Chat text made from wishes: cards, the wall's pages, 我的认领, 待审心愿, times and dates.
Private details only when asked for.

The wall and a card for someone not involved in the wish show its title and details masked
(``handlers.masking``: phone numbers, house and room numbers, names…); the beneficiary's
name is always masked outside ``private`` (``mask_name``: 周**).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from handlers.masking import coarse_address, mask_name, mask_text
from handlers.wishes import texts
from storage import clock
from storage.core.models import Wish, WishStatus

PENDING_SHOWN = 10


def when(moment: datetime) -> str:
    local = clock.local(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def day(value: date | None) -> str:
    return texts.DUE.format(date=f"{value.month}月{value.day}日") if value else texts.NO_DATE


def card(wish: Wish, private: bool = False, public: bool = False) -> str:
    """``private``: with the contact details (the claimant); ``public``: title and details
    masked (a viewer not involved in the wish)."""
    text = texts.CARD.format(
        number=wish.number, kind=texts.KIND_NAMES[wish.kind],
        title=mask_text(wish.title) if public else wish.title,
        details=(mask_text(wish.details) if public else wish.details) or texts.NOT_GIVEN,
        who=wish.beneficiary_name if private else mask_name(wish.beneficiary_name),
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
             texts.DRAFT_ADDRESS.format(address=data.get("address") or texts.NOT_GIVEN),
             texts.DRAFT_PHONE.format(phone=data.get("phone") or texts.NOT_GIVEN)]
    if data.get("media_id"):
        lines.append(texts.DRAFT_PHOTO)
    return "\n".join(lines)


def expired(data: Mapping[str, Any], minutes: int) -> str:
    """Told to a late answer after the wish's draft timed out."""
    title = data.get("title")
    said = texts.DRAFT_EXPIRED_TITLE.format(title=title) if title else ""
    return texts.DRAFT_EXPIRED.format(minutes=minutes, title=said)


def wall_page(number: int, items: Sequence[tuple[Wish, float | None]], more: bool,
              volunteer: bool) -> str:
    """Page ``number`` (from 1) of the wall; ``more``: 下一页 shows more; not yet a
    ``volunteer``: how to become one."""
    if not items:
        return texts.WALL_EMPTY if number == 1 else texts.WALL_END
    lines = [texts.WALL_HEAD.format(page=number)]
    lines += [wall_line(wish, km) for wish, km in items]
    lines.append((texts.WALL_MORE if more else texts.WALL_LAST).format(example=items[0][0].number))
    return "\n".join(lines) + ("" if volunteer else texts.WALL_JOIN)


def my_claims(rows: Sequence[Wish], fulfilled: int) -> str:
    """我的认领: the active claims and how many wishes the volunteer has fulfilled."""
    if not rows:
        return texts.MINE_EMPTY.format(done=fulfilled)
    lines = [texts.MINE_HEAD]
    for wish in rows:
        until = (texts.MINE_UNTIL.format(time=when(wish.claim_expires_at))
                 if wish.status is WishStatus.CLAIMED else "")
        lines.append(texts.MINE_LINE.format(number=wish.number, title=wish.title,
                                            status=texts.STATUS_NAMES[wish.status], until=until))
    lines.append(texts.MINE_TAIL.format(done=fulfilled))
    return "\n".join(lines)


def pending(rows: Sequence[Wish], names: dict[str, str]) -> str:
    """待审心愿: how many wait, the first ``PENDING_SHOWN`` with their posters' ``names``, their
    communities and places (down to the building: no house number, no phone)."""
    if not rows:
        return texts.PENDING_EMPTY
    lines = [texts.PENDING_HEAD.format(count=len(rows))]
    for wish in rows[:PENDING_SHOWN]:
        lines.append(texts.PENDING_LINE.format(
            number=wish.number, kind=texts.KIND_NAMES[wish.kind], title=wish.title,
            details=wish.details or texts.NOT_GIVEN, community=wish.community or texts.NOT_GIVEN,
            place=coarse_address(wish.address) or texts.NOT_GIVEN,
            poster=names.get(wish.poster_openid) or texts.NOT_GIVEN,
            time=when(wish.created_at)))
    lines.append(texts.PENDING_TAIL)
    return "\n".join(lines)
