"""The privacy notice: what is kept, who sees it, for how long, how to delete it.

Shown once per person, appended to the reply of the first message that leaves something of
theirs behind (a submitted 随手拍 or +1, a posted wish, a volunteer registration: the
pipeline asks with any message's effect); again on ``隐私``, and
served by ``GET /api/v1/privacy``. The periods come from ``Retention``, the settings the
retention sweep enforces, so the notice and the sweep cannot disagree.

That a person saw it is remembered durably in the database, not in Redis: a
``processed_message`` row keyed ``privacy-notice:<openid>`` (its unique key makes "once"
hold across processes and repeats; the retention sweep keeps these rows). A person who
contributed through the mini-program only is told on their next chat message with an
effect; the mini-program shows ``GET /api/v1/privacy`` itself.

Asked with every message's effect, so it is kept cheap: one statement, an ``INSERT ... SELECT
... WHERE`` the person was not told and left something behind, ``ON CONFLICT DO NOTHING`` (no
exception, no aborted statement for a race). The pipeline asks it inside the effect's
transaction, before the effect's record is written (``Context.before_record``), so the notice
is stored with the reply a repeat delivery gets, and is rolled back with the effect; an
effect that stores no reply is asked after it (``append_once``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise import Tortoise, timezone

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


def appended(reply: str, retention: Retention) -> str:
    """``reply`` with the notice after it."""
    return f"{reply}\n\n{text(retention)}"


def marker(openid: str) -> str:
    return f"{MARKER_PREFIX}{openid}"


_SQL: dict[str, str] = {}


def _first_time_sql(dialect: str) -> str:
    """The marker's INSERT, made only if the person was not told and left something behind
    (a case, a +1, a wish, a volunteer registration): $1 the marker, $2 the openid, $3 now;
    on PostgreSQL $4, true when the statement itself writes what they leave (a new case
    held for the record's statement, which the statement's own parts cannot see)."""
    if dialect not in _SQL:
        postgres = dialect == "postgres"
        marks = ("$1::text", "$2::text", "$3::timestamptz") if postgres else ("?1", "?2", "?3")
        m, o, now = marks
        table = ProcessedMessage._meta.db_table
        left = " OR ".join(
            f'EXISTS (SELECT 1 FROM "{model._meta.db_table}" WHERE "{column}" = {o})'
            for model, column in ((Case, "reporter_openid"), (Supporter, "openid"),
                                  (Wish, "poster_openid"), (Volunteer, "openid")))
        _SQL[dialect] = (
            f'INSERT INTO "{table}" ("dedup_key", "openid", "reply", "created_at") '
            f'SELECT {m}, {o}, NULL, {now} WHERE NOT EXISTS (SELECT 1 FROM "{table}" '
            f'WHERE "dedup_key" = {m}) AND ({"$4::boolean OR " if postgres else ""}{left}) '
            f'ON CONFLICT DO NOTHING RETURNING "id"')
    return _SQL[dialect]


def _values(openid: str) -> list[Any]:
    now = ProcessedMessage._meta.fields_map["created_at"].to_db_value(timezone.now(), None)
    return [marker(openid), openid, now]


def first_time_statement(openid: str, leaves: bool = False) -> tuple[str, list[Any]]:
    """``first_time``'s statement and values (PostgreSQL), for an effect's record to send with
    its own (``EffectRecord.reply_if``): it inserts a row exactly when it is the first time.
    ``leaves``: the record's statement writes what the person leaves behind (a new case held
    for it: ``EffectRecord.leaves``)."""
    return _first_time_sql("postgres"), [*_values(openid), leaves]


async def first_time(openid: str, using_db: Any = None) -> bool:
    """True once: the first time it is asked after the person left something behind. One
    statement, which also records that they were told (inside the caller's transaction when
    given ``using_db``: rolled back with it). False when another message told them a moment
    ago (the marker's unique key: the INSERT does nothing)."""
    conn = using_db or Tortoise.get_connection("default")
    dialect = conn.capabilities.dialect
    rows = await conn.execute_query_dict(_first_time_sql(dialect), [
        *_values(openid), *([False] if dialect == "postgres" else [])])
    return bool(rows)


async def append_once(openid: str, reply: str, retention: Retention,
                      records: Sequence[str | None] = ()) -> str:
    """``reply`` with the notice after it, if this person has not been told yet. The
    effect's stored replies (``records``: the message's dedup key and the conversation
    step it completed) get it too, so a repeat that reaches the database answers the same."""
    if not await first_time(openid):
        return reply
    told = appended(reply, retention)
    keys = [key for key in records if key]
    if keys:
        await ProcessedMessage.filter(dedup_key__in=keys, reply=reply).update(reply=told)
    return told
