"""What staff hear about cases, through the outbox, keyed by the history event that caused it
(so a retried change is announced once). Call inside the change's transaction.

Work staff must do within an SLA ending before the quiet hours do is ``urgent`` (the caller
decides with ``handlers.reports.urgency.staff_urgent``): it goes out at once, day or night.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from handlers import outbox
from handlers.reports import render
from handlers.reports.staff import texts as t
from storage.core.models import Photo, PhotoStatus
from storage.reports.models import Case

AFTER = "report_after"  # owner_kind of the after-photo (the report's own are "report")


async def photo_text(case: Case, kind: str = "report", using_db: Any = None) -> str:
    """The stored photos as /media/… paths; pending ones counted; "无" without any."""
    rows = await Photo.filter(owner_kind=kind, owner_id=case.number).using_db(
        using_db).order_by("id")
    stored = [f"/media/{p.path}" for p in rows if p.status is PhotoStatus.STORED]
    pending = sum(p.status is PhotoStatus.PENDING for p in rows)
    parts = stored + ([t.PHOTO_PENDING.format(count=pending)] if pending else [])
    return " ".join(parts) if parts else t.PHOTO_NONE


async def tell(case: Case, event_id: int, openids: Iterable[str | None], text: str,
               using_db: Any = None, *, urgent: bool = False) -> int:
    """Queue ``text`` for each person once (a person named twice hears it once); ``urgent``
    pushes are not held by the quiet hours."""
    told = 0
    for openid in dict.fromkeys(o for o in openids if o):
        await outbox.enqueue(openid, text, key=f"case-staff:{case.number}:{event_id}:{openid}",
                             using_db=using_db, urgent=urgent)
        told += 1
    return told


def fill(case: Case, template: str, **extra: object) -> str:
    return template.format(number=case.number, card=render.case_card(case),
                           accept_due=render.when(case.accept_due_at),
                           resolve_due=render.when(case.resolve_due_at), **extra)


async def dispatched(case: Case, event_id: int, others: list[str], copies: list[str],
                     label: str, using_db: Any = None, *, urgent: bool = False) -> None:
    """A new (or reopened) case: the assignee and the same party's others; the grid a copy.
    ``urgent`` applies to all of them."""
    photos = await photo_text(case, using_db=using_db)
    lead = t.PROPERTY_NOTICE if case.responsible == "property" else t.DISPATCHED
    await tell(case, event_id, [case.assignee_openid, *others],
               fill(case, lead, photos=photos), using_db, urgent=urgent)
    await tell(case, event_id, copies, fill(case, t.COPY_NOTICE, label=label), using_db,
               urgent=urgent)
