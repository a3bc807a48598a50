"""GET service requests: the filters of the spec, one request, a token.

The window is what the spec recommends: the last 90 days when no date is given, never more
than 90 days between start_date and end_date (a wider range is refused), at most 1,000
requests, newest first. Hidden cases are never shown, not even by id.

Everything published is public: the description and the notes are masked and the address
coarsened to the building or road (``handlers.masking``); the stored case keeps every word
for staff.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from handlers import masking
from handlers.open311 import texts
from handlers.open311.coords import to_wgs84
from handlers.open311.documents import ServiceRequest, TokenAnswer
from handlers.open311.errors import BadRequest, NotFound
from handlers.open311.services import service_notice
from handlers.open311.status import BY_NAME, PUBLIC_STATUSES, open311_status
from handlers.reports import queries, render
from handlers.reports.service.cases import case_number
from handlers.reports.texts import ACTION_NAMES
from storage import clock
from storage.core.models import Open311Request
from storage.geo.models import Category
from storage.reports.models import Case, CaseEvent, CaseStatus

WINDOW = timedelta(days=90)
LIMIT = 1000
# The history lines worth telling the public (not +1s, photos, internal comments, hiding).
# Internal rows (staff notes, 督办, 催办, 核查: ``lifecycle.INTERNAL``) are never among them; a
# resolution approved by 核查 ("review_ok") reads as the resolution, without the reviewer's note.
NOTE_ACTIONS = ("dispatch", "accept", "start", "resolve", "confirm", "auto_confirm", "reopen",
                "transfer", "acknowledge", "escalate", "review_ok")
RESOLVED_BY_REVIEW = "review_ok"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPACED_OFFSET = re.compile(r"T[\d:.]+ \d{2}:\d{2}$")


def _values(raw: str | None) -> list[str]:
    return [v.strip() for v in (raw or "").split(",") if v.strip()]


def parse_datetime(name: str, raw: str) -> datetime:
    """A W3C datetime with its zone (``Z`` or ``+08:00``); a bare date is that day's start
    in Asia/Shanghai."""
    value = raw.strip()
    if _SPACED_OFFSET.search(value):  # an unencoded "+08:00" arrives as " 08:00"
        value = value[:-6] + "+" + value[-5:]
    try:
        if _DATE.match(value):
            return datetime.combine(date.fromisoformat(value), time(), clock.SHANGHAI)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(texts.E_BAD_DATE.format(field=name, value=raw)) from None
    if "T" not in value.upper():
        raise BadRequest(texts.E_BAD_DATE.format(field=name, value=raw))
    if parsed.tzinfo is None:
        raise BadRequest(texts.E_NO_TIMEZONE.format(field=name, value=raw))
    return parsed


def window(start_raw: str | None, end_raw: str | None) -> tuple[datetime, datetime]:
    start = parse_datetime("start_date", start_raw) if start_raw else None
    end = parse_datetime("end_date", end_raw) if end_raw else None
    if start is None and end is None:
        end = clock.now()
    if start is None:
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if start > end:
        raise BadRequest(texts.E_DATE_ORDER)
    if end - start > WINDOW:
        raise BadRequest(texts.E_SPAN.format(days=WINDOW.days))
    return start, end


async def find_requests(*, service_request_id: str | None = None,
                        service_code: str | None = None, start_date: str | None = None,
                        end_date: str | None = None, status: str | None = None
                        ) -> list[ServiceRequest]:
    """The spec's query; ``service_request_id`` (comma separated) overrides the rest."""
    query = Case.filter(status__in=list(PUBLIC_STATUSES))
    ids = _values(service_request_id)
    if ids:
        numbers = [n for n in (case_number(i) for i in ids) if n]
        query = query.filter(number__in=numbers or [""])
    else:
        codes = _values(service_code)
        if codes:
            known = set(await Category.filter(code__in=codes).values_list("code", flat=True))
            if unknown := [c for c in codes if c not in known]:
                raise BadRequest(texts.E_UNKNOWN_SERVICE.format(code=unknown[0]))
            query = query.filter(category_code__in=codes)
        names = [s.lower() for s in _values(status)]
        if bad := [s for s in names if s not in BY_NAME]:
            raise BadRequest(texts.E_BAD_STATUS.format(value=bad[0]))
        if names:
            query = query.filter(status__in=list(set().union(*(BY_NAME[s] for s in names))))
        start, end = window(start_date, end_date)
        query = query.filter(created_at__gte=start, created_at__lte=end)
    cases = await query.order_by("-created_at", "-id").limit(LIMIT)
    return await documents_of(cases)


async def get_request(raw_id: str) -> list[ServiceRequest]:
    """One request, as the spec has it: a list of one; ``NotFound`` for unknown or hidden."""
    number = case_number(raw_id)
    case = await Case.get_or_none(number=number) if number else None
    if case is None or case.status not in PUBLIC_STATUSES:
        raise NotFound(texts.E_UNKNOWN_REQUEST.format(id=raw_id))
    return await documents_of([case])


async def find_token(token: str) -> TokenAnswer:
    row = await Open311Request.get_or_none(token=token)
    case = await Case.get_or_none(number=row.case_number) if row else None
    if row is None or case is None or case.status not in PUBLIC_STATUSES:
        raise NotFound(texts.E_UNKNOWN_TOKEN.format(token=token))
    return TokenAnswer(service_request_id=row.case_number, token=row.token)


async def documents_of(cases: list[Case]) -> list[ServiceRequest]:
    if not cases:
        return []
    categories = {c.code: c for c in await Category.all()}
    media = dict(await Open311Request.filter(
        case_number__in=[c.number for c in cases]).values_list("case_number", "media_url"))
    latest: dict[int, CaseEvent] = {}
    for event in await CaseEvent.filter(case_id__in=[c.id for c in cases],
                                        action__in=NOTE_ACTIONS).order_by("at", "id"):
        latest[event.case_id] = event  # type: ignore[attr-defined]
    return [_view(c, categories.get(c.category_code), latest.get(c.id), media.get(c.number),
                  await _address(c), await agency(c))
            for c in cases]


async def _address(case: Case) -> str | None:
    """The resident's address, coarse; the place name when they gave only a point."""
    shown = await render.place_of(case) or case.address
    return masking.coarse_address(shown) or None


def status_notes(case: Case, event: CaseEvent | None) -> str | None:
    if case.status is CaseStatus.REJECTED:
        return (texts.NOTE_REJECTED.format(referral=masking.mask_text(case.referral))
                if case.referral else None)
    if case.status is CaseStatus.MERGED and case.merged_into:
        return texts.NOTE_MERGED.format(number=case.merged_into)
    if event is None:
        return None
    if event.action == RESOLVED_BY_REVIEW:
        return ACTION_NAMES["resolve"]
    action = ACTION_NAMES.get(event.action, event.action)
    note = masking.mask_text(event.note)
    return texts.NOTE_EVENT.format(action=action, note=note) if note else action


async def agency(case: Case) -> str:
    """Who has the case, as the chat says it (``reports.queries.who_has``), without a
    person's name: the unit (grid, property, department, community)."""
    return (await queries.who_has(case)).public


def _view(case: Case, category: Category | None, event: CaseEvent | None,
          media_url: str | None, address: str | None, agency: str) -> ServiceRequest:
    lat = lng = None
    if case.lat is not None and case.lng is not None:
        lat, lng = to_wgs84(case.lat, case.lng)
    return ServiceRequest(
        service_request_id=case.number, status=open311_status(case.status),
        status_notes=status_notes(case, event),
        service_name=category.name if category else case.category_code,
        service_code=case.category_code,
        description=masking.mask_text(case.description) or None,
        agency_responsible=agency,
        service_notice=service_notice(category) if category else None,
        requested_datetime=case.created_at, updated_datetime=case.updated_at,
        expected_datetime=case.resolve_due_at,
        address=address,
        address_id=case.building_code or None, zipcode=None, lat=lat, long=lng,
        media_url=media_url or None)
