"""Every status change of a case: allowed moves, one guarded update, one history row.

``transition`` is the only way a case changes status. The update is guarded by the status the
caller saw, so two staff pressing 接单 at once give one winner; the loser gets ``Conflict``.
A new case is written in the status it reaches (``submit_case``: routed, then written
dispatched); its "submit" and "dispatch" rows are made by ``born`` and written in one INSERT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import clock
from storage.inserts import insert_many
from storage.reports.models import Case, CaseEvent, CaseStatus
from storage.rows import update_where

S = CaseStatus

# action -> (statuses it may start from, status it leads to)
MOVES: dict[str, tuple[frozenset[CaseStatus], CaseStatus]] = {
    "dispatch": (frozenset({S.SUBMITTED, S.REOPENED}), S.DISPATCHED),
    "accept": (frozenset({S.DISPATCHED, S.REOPENED}), S.ACCEPTED),
    "start": (frozenset({S.ACCEPTED}), S.IN_PROGRESS),
    "resolve": (frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.RESOLVED),
    # 核查: where the category or community requires it, a resolution waits for someone other
    # than the resolver to approve it (then the resident is asked) or send it back.
    "resolve_review": (frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.REVIEWING),
    "review_ok": (frozenset({S.REVIEWING}), S.RESOLVED),
    "review_back": (frozenset({S.REVIEWING}), S.IN_PROGRESS),
    "confirm": (frozenset({S.RESOLVED}), S.CLOSED),
    "auto_confirm": (frozenset({S.RESOLVED}), S.CLOSED),
    "reopen": (frozenset({S.RESOLVED}), S.REOPENED),
    "reject": (frozenset({S.SUBMITTED, S.DISPATCHED, S.ACCEPTED, S.REOPENED}), S.REJECTED),
    "merge": (frozenset({S.SUBMITTED, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED}),
              S.MERGED),
    "hide": (frozenset(set(S) - {S.HIDDEN}), S.HIDDEN),
    # Reassignment (转派 / 吹哨) keeps the status: the case goes to another party.
    "transfer": (frozenset({S.SUBMITTED, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED}),
                 None),  # type: ignore[dict-item]
}
# Actions that only write history (no status change).
NOTES = frozenset({"submit", "escalate", "acknowledge", "support", "comment", "photo",
                   "note", "supervise", "remind"})
# History that is staff's own business: never shown to residents (chat, mini-program, Open311).
INTERNAL = frozenset({"note", "supervise", "remind", "resolve_review", "review_ok",
                      "review_back"})


class Conflict(Exception):
    """The case is not in a status that allows this action (or someone was faster)."""

    def __init__(self, case: Case, action: str) -> None:
        super().__init__(f"{case.number}: cannot {action} from {case.status}")
        self.case = case
        self.action = action


@dataclass
class Moved:
    case: Case
    event: CaseEvent


_EVENT_FIELDS = ("case_id", "at", "actor_openid", "action", "from_status", "to_status", "note")


async def insert_events(events: list[CaseEvent], using_db: Any = None) -> None:
    """Write ``events`` in order, in one statement; their ids are set as the database gave
    them (ascending in the order written, as history reads them). Events whose ids were
    taken already (``storage.inserts.take_ids``, ascending) are written with them, held for
    the message's record where that holds."""
    await insert_many(events, using_db, fields=_EVENT_FIELDS,
                      may_hold=all(event.id is not None for event in events))


def born(case: Case, action: str, actor_openid: str, before: CaseStatus, to: CaseStatus,
         at: datetime, *, note: str = "") -> CaseEvent:
    """A history row of a case being written (its "submit", its first "dispatch"): the case
    is written in the status it reaches, so these rows are the only record of the moves."""
    return CaseEvent(case_id=case.id, at=at, actor_openid=actor_openid, action=action,
                     from_status=before.value, to_status=to.value, note=note)


async def transition(case: Case, action: str, actor_openid: str, *, note: str = "",
                     fields: dict[str, Any] | None = None, using_db: Any = None) -> Moved:
    """Apply ``action`` to ``case`` (as loaded by the caller) and record it.

    ``fields`` are other columns to set in the same guarded update (assignee, timestamps…).
    Raises Conflict if the case's status does not allow the action or changed meanwhile.
    """
    now = clock.now()
    changes = dict(fields or {})
    before = case.status
    if action in NOTES:
        to = None
    else:
        if action not in MOVES:
            raise ValueError(f"unknown action {action}")
        allowed, to = MOVES[action]
        if before not in allowed:
            raise Conflict(case, action)
        if to is not None:
            changes["status"] = to
    if changes:
        changes["updated_at"] = now
        updated = await update_where(Case, changes, {"id": case.id, "status": before},
                                     using_db)
        if updated != 1:
            raise Conflict(case, action)
        for name, value in changes.items():
            setattr(case, name, value)
    event = CaseEvent(case_id=case.id, at=now, actor_openid=actor_openid, action=action,
                      from_status=before.value, to_status=(to or before).value, note=note)
    await insert_events([event], using_db)
    return Moved(case, event)


async def history(case: Case) -> list[CaseEvent]:
    return await CaseEvent.filter(case_id=case.id).order_by("at", "id")
