"""What reporters and supporters hear about their case.

Every change a resident should hear about is written to the outbox in the same transaction
as the change (pass its connection as ``using_db``); the outbox sweep delivers it. All pushes
about one case share a subject, so changes not yet delivered go out as one message.
Supporters get the public text (``handlers.masking``): a note staff typed for the reporter
("已联系您 3单元501") is not theirs to read.
"""

from __future__ import annotations

from typing import Any

from handlers import masking, outbox
from handlers.reports import texts
from storage.reports.models import Case, Supporter

# Reporters who are not WeChat users (a case posted by an Open311 client): nobody to push to.
OPEN311_REPORTER = "open311:"  # + the client's key name
EXTERNAL_PREFIXES = (OPEN311_REPORTER,)
# A case an operator entered (代录: a phone call, a visit) has no reporter at all: "".
NO_REPORTER = ""


def is_external(openid: str) -> bool:
    """True for a reporter id that is no WeChat openid (an Open311 client, or nobody for a
    case an operator entered): it gets no pushes and no points."""
    return openid == NO_REPORTER or openid.startswith(EXTERNAL_PREFIXES)


def subject_of(case: Case) -> str:
    return f"case:{case.number}"


async def resident_progress(case: Case, event_id: int, text: str, *,
                            include_supporters: bool = True, urgent: bool = False,
                            using_db: Any = None) -> int:
    """Tell the reporter (and supporters) ``text`` about ``case``; returns messages queued.

    ``event_id`` (the CaseEvent written for the change) makes the push idempotent; ``urgent``
    pushes go out during the quiet hours too.
    """
    recipients = [] if is_external(case.reporter_openid) else [(case.reporter_openid, text)]
    if include_supporters:
        public = masking.mask_text(text)
        recipients += [(s.openid, public) for s in await Supporter.filter(case_id=case.id)
                       .using_db(using_db) if s.openid != case.reporter_openid]
    status = texts.PUSH_STATUS.get(case.status, str(case.status))
    head = texts.PUSH_HEAD.format(number=case.number, status=status)
    for openid, line in recipients:
        notice = {"title": texts.PUSH_TITLE.format(number=case.number), "status": status,
                  "line": line, "head": head}
        await outbox.enqueue(openid, line, key=f"case:{case.number}:{event_id}:{openid}",
                             using_db=using_db, subject=subject_of(case), urgent=urgent,
                             notice=notice)
    return len(recipients)
