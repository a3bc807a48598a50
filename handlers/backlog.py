"""What is waiting right now, for the metrics' backlog gauges (three cheap COUNTs).

- ``outbox_due``: pushes pending whose next attempt is due (quiet-hour and back-off waits
  and messages held for the person's next message are not due yet);
- ``photos_waiting``: photos not yet downloaded from WeChat (pending, whatever their next
  attempt);
- ``cases_overdue``: open cases the SLA sweep marked overdue.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage import clock
from storage.core.models import OutboxMessage, OutboxStatus, Photo, PhotoStatus
from storage.reports.models import OPEN_STATUSES, Case


@dataclass(frozen=True)
class Backlog:
    outbox_due: int
    photos_waiting: int
    cases_overdue: int


async def count() -> Backlog:
    outbox = await OutboxMessage.filter(status=OutboxStatus.PENDING,
                                        next_attempt_at__lte=clock.now()).count()
    photos = await Photo.filter(status=PhotoStatus.PENDING).count()
    cases = await Case.filter(status__in=list(OPEN_STATUSES), overdue=True).count()
    return Backlog(outbox_due=outbox, photos_waiting=photos, cases_overdue=cases)
