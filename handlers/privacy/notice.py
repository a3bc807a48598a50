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

Asked after every message with an effect, so it is kept cheap: one statement whether the
person was told and whether they reported (the usual first contribution), the marker written
by an ``INSERT ... ON CONFLICT DO NOTHING`` (no exception, no aborted statement for a race).
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise import Tortoise, timezone

from handlers.context import Retention
from handlers.privacy import texts
from storage.core.models import ProcessedMessage, Volunteer, Wish
from storage.inserts import insert_new
from storage.reports.models import Supporter

MARKER_PREFIX = "privacy-notice:"
_TOLD_OR_REPORTED = (
    'SELECT EXISTS (SELECT 1 FROM "processed_message" WHERE "dedup_key" = {0}) AS told,'
    ' EXISTS (SELECT 1 FROM "report_case" WHERE "reporter_openid" = {1}) AS reported')


def text(retention: Retention) -> str:
    return texts.NOTICE.format(
        wish_contact_days=retention.wish_contact_days,
        wish_photo_days=retention.wish_photo_days,
        case_location_days=retention.case_location_days,
        draft_hours=retention.draft_hours)


def marker(openid: str) -> str:
    return f"{MARKER_PREFIX}{openid}"


async def _told_or_reported(openid: str) -> tuple[bool, bool]:
    """(told already, reported a case), in one statement."""
    conn = Tortoise.get_connection("default")
    marks = ("$1", "$2") if conn.capabilities.dialect == "postgres" else ("?", "?")
    rows = await conn.execute_query_dict(_TOLD_OR_REPORTED.format(*marks),
                                         [marker(openid), openid])
    return bool(rows[0]["told"]), bool(rows[0]["reported"])


async def _contributed_otherwise(openid: str) -> bool:
    """Something kept besides a case: a +1, a wish, a volunteer registration."""
    return (await Supporter.filter(openid=openid).exists()
            or await Wish.filter(poster_openid=openid).exists()
            or await Volunteer.filter(openid=openid).exists())


async def first_time(openid: str) -> bool:
    """True once: the first time it is asked after the person left something behind."""
    told, reported = await _told_or_reported(openid)
    if told or not (reported or await _contributed_otherwise(openid)):
        return False
    # False when another message told them a moment ago (the marker's key exists).
    return await insert_new(ProcessedMessage(dedup_key=marker(openid), openid=openid,
                                             created_at=timezone.now()))


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
