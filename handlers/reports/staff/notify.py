"""What staff hear about cases, through the outbox, keyed by the history event that caused it
(so a retried change is announced once). Call inside the change's transaction.

Work staff must do within an SLA ending before the quiet hours do is ``urgent`` (the caller
decides with ``handlers.reports.urgency.staff_urgent``): it goes out at once, day or night.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from handlers import outbox
from handlers.reports import render
from handlers.reports import texts as report_texts
from handlers.reports.staff import texts as t
from storage.core.models import OutboxMessage, OutboxStatus, Photo, PhotoStatus
from storage.reports.models import Case

AFTER = "report_after"  # owner_kind of the after-photo (the report's own are "report")


SHOWN = (PhotoStatus.STORED, PhotoStatus.PENDING)  # stored, or soon to be


async def case_photos(case: Case, kind: str = "report", using_db: Any = None) -> list[Photo]:
    """The case's photos that are (or will soon be) stored, oldest first."""
    return await Photo.filter(owner_kind=kind, owner_id=case.number,
                              status__in=list(SHOWN)).using_db(using_db).order_by("id")


async def photo_text(case: Case, kind: str = "report", using_db: Any = None,
                     template: str = t.PHOTO_COUNT) -> str:
    """How many photos there are and how to see them (never a path nothing serves)."""
    found = await case_photos(case, kind, using_db)
    return template.format(count=len(found), number=case.number) if found else t.PHOTO_NONE


async def send_photos(case: Case, openids: Iterable[str | None], using_db: Any = None, *,
                      kind: str = "report", urgent: bool = False, again: str = "",
                      found: list[Photo] | None = None) -> int:
    """Queue the photos as customer-service images for each person, once per person and
    photo; ``again`` (the request's key) sends them once more to someone who asks (案件),
    unless they are still on their way. ``found``: the ``case_photos`` the caller read."""
    queued = 0
    for photo in found if found is not None else await case_photos(case, kind, using_db):
        for openid in dict.fromkeys(o for o in openids if o):
            key = f"case-photo:{case.number}:{photo.id}:{openid}"
            if again:
                first = await OutboxMessage.filter(key=key).using_db(using_db).first()
                if first is not None and first.status is OutboxStatus.PENDING:
                    continue
                key = f"{key}:{again}" if first is not None else key
            await outbox.enqueue_image(openid, photo.id, key, using_db, urgent=urgent,
                                       **({"delay": timedelta(0)} if again else {}))
            queued += 1
    return queued


async def tell(case: Case, event_id: int, openids: Iterable[str | None], text: str,
               using_db: Any = None, *, urgent: bool = False) -> int:
    """Queue ``text`` for each person once (a person named twice hears it once); ``urgent``
    pushes are not held by the quiet hours. Subscribe and template messages (outside the
    48 h window) get the case, its status and the text's first line."""
    status = report_texts.PUSH_STATUS.get(case.status, str(case.status))
    notice = {"title": t.NOTICE_TITLE.format(number=case.number), "status": status,
              "line": text.split("\n", 1)[0]}
    told = 0
    for openid in dict.fromkeys(o for o in openids if o):
        await outbox.enqueue(openid, text, key=f"case-staff:{case.number}:{event_id}:{openid}",
                             using_db=using_db, urgent=urgent, notice=notice)
        told += 1
    return told


async def fill(case: Case, template: str, **extra: object) -> str:
    """``template`` with the case's number, card (the place named) and deadlines."""
    card = render.case_card(case, place=await render.place_of(case))
    return template.format(number=case.number, card=card,
                           accept_due=render.when(case.accept_due_at),
                           resolve_due=render.when(case.resolve_due_at), **extra)


async def dispatched(case: Case, event_id: int, others: list[str], copies: list[str],
                     label: str, using_db: Any = None, *, urgent: bool = False,
                     shots: list[Photo] | None = None) -> None:
    """A new (or reopened) case: the assignee and the same party's others; the grid a copy.
    ``urgent`` applies to all of them. ``shots``: ``case_photos`` if the caller knows them."""
    if shots is None:  # read once for the text and the images
        shots = await case_photos(case, using_db=using_db)
    photos = t.PHOTO_COUNT.format(count=len(shots), number=case.number) if shots else \
        t.PHOTO_NONE
    lead = t.PROPERTY_NOTICE if case.responsible == "property" else t.DISPATCHED
    async with outbox.together(using_db):  # the notices and photos: one INSERT
        await tell(case, event_id, [case.assignee_openid, *others],
                   await fill(case, lead, photos=photos), using_db, urgent=urgent)
        await send_photos(case, [case.assignee_openid, *others], using_db, urgent=urgent,
                          found=shots)
        await tell(case, event_id, copies, await fill(case, t.COPY_NOTICE, label=label),
                   using_db, urgent=urgent)
