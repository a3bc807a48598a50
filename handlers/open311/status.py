"""Our case statuses as GeoReport's ``open``/``closed``; hidden cases are never public."""

from __future__ import annotations

from storage.reports.models import OPEN_STATUSES, CaseStatus

OPEN = "open"
CLOSED = "closed"

# Resolved counts as closed ("it has been resolved"); a resident's 没修好 reopens it.
CLOSED_STATUSES = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.REJECTED,
                             CaseStatus.MERGED})
PUBLIC_STATUSES = OPEN_STATUSES | CLOSED_STATUSES  # everything but hidden
BY_NAME = {OPEN: OPEN_STATUSES, CLOSED: CLOSED_STATUSES}


def open311_status(status: CaseStatus) -> str:
    return OPEN if status in OPEN_STATUSES else CLOSED
