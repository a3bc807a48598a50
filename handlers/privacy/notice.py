"""The privacy notice: what is kept, who sees it, for how long, how to delete it.

Shown once per person, appended to the reply of the first message that leaves something of
theirs behind (a submitted 随手拍 or +1, a posted wish, a volunteer registration: the
pipeline asks ``append_once`` after any message with an effect); again on ``隐私``, and
served by ``GET /api/v1/privacy``. The periods come from ``Retention``, the settings the
retention sweep enforces, so the notice and the sweep cannot disagree.

That a person saw it is remembered durably in the database, not in Redis: a
``processed_message`` row keyed ``privacy-notice:<openid>`` (its unique key makes "once"
hold across processes and repeats; the retention sweep keeps these rows). A person who
contributed through the mini-program only is told on their next chat message with an
effect; the mini-program shows ``GET /api/v1/privacy`` itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.exceptions import IntegrityError

from handlers.context import Retention
from handlers.privacy import texts
from storage.core.models import ProcessedMessage, Volunteer, Wish
from storage.reports.models import Case, Supporter

MARKER_PREFIX = "privacy-notice:"


def text(retention: Retention) -> str:
    return texts.NOTICE.format(
        wish_contact_days=retention.wish_contact_days,
        wish_photo_days=retention.wish_photo_days,
        case_location_days=retention.case_location_days,
        draft_hours=retention.draft_hours)


def marker(openid: str) -> str:
    return f"{MARKER_PREFIX}{openid}"


async def _contributed(openid: str) -> bool:
    return (await Case.filter(reporter_openid=openid).exists()
            or await Supporter.filter(openid=openid).exists()
            or await Wish.filter(poster_openid=openid).exists()
            or await Volunteer.filter(openid=openid).exists())


async def first_time(openid: str) -> bool:
    """True once: the first time it is asked after the person left something behind."""
    if await ProcessedMessage.exists(dedup_key=marker(openid)):
        return False
    if not await _contributed(openid):
        return False
    try:
        await ProcessedMessage.create(dedup_key=marker(openid), openid=openid)
    except IntegrityError:  # told a moment ago by another message
        return False
    return True


async def append_once(openid: str, reply: str, retention: Retention,
                      records: Sequence[str | None] = ()) -> str:
    """``reply`` with the notice after it, if this person has not been told yet. The
    effect's stored replies (``records``: the message's dedup key and the conversation
    step it completed) get it too, so a repeat that reaches the database answers the same."""
    if not await first_time(openid):
        return reply
    told = f"{reply}\n\n{text(retention)}"
    keys = [key for key in records if key]
    if keys:
        await ProcessedMessage.filter(dedup_key__in=keys, reply=reply).update(reply=told)
    return told
