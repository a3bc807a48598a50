"""The console's case list (案件): filters, sorting, paging, and the CSV export.

URL parameters (``parse_query``, lenient: a bad value is ignored, never an error):
``status`` (repeated, or comma-separated; CaseStatus values, or ``open``: every open status),
``grid``, ``community``, ``category`` (codes), ``overdue`` (1/true/yes/是 or 0/false/no/否), ``since`` / ``until``
(YYYY-MM-DD, Shanghai calendar days of submission, both included), ``source`` (CaseSource
value), ``q`` (or ``text``: a case number such as A1234 finds that case, anything else is
looked for in descriptions), ``sort`` (one of SORTS), ``page`` (from 1), ``per_page`` (1-200).
``query_params`` writes a query back as such parameters (links to other pages, the export).

The export (``stream``) reads the filtered cases in chunks by id (keyset paging: flat memory
whatever the volume); ``csv_rows`` writes them as what staff may hand out: the address coarse
and the description masked (``handlers.masking``), names from one look-up per chunk.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from tortoise.expressions import Case as Choose
from tortoise.expressions import When
from tortoise.queryset import QuerySet

from handlers import masking
from handlers.reports import render, texts
from handlers.reports.bulletin.queries import rows_of
from handlers.reports.service.cases import case_number
from handlers.reports.staff.scope import Scope
from storage import clock
from storage.geo.models import Category, Community, Grid
from storage.reports.models import OPEN_STATUSES, Case, CaseSource, CaseStatus

SORTS = ("-created_at", "created_at", "resolve_due_at", "accept_due_at", "number", "-number")
MAX_PER_PAGE = 200
PER_PAGE = 50
CSV_HEADER: list[str] = texts.CSV_HEADER
_ORDER = {  # the columns ordered by (a case's number follows its id), the id breaking ties
    "-created_at": ("-created_at", "-id"), "created_at": ("created_at", "id"),
    "resolve_due_at": ("resolve_due_at", "id"), "accept_due_at": ("accept_due_at", "id"),
    "number": ("id",), "-number": ("-id",)}
_UNDATED = "undated"  # cases without the deadline sorted by come last, on every database
OPEN = "open"  # a status filter standing for every status in OPEN_STATUSES
_STATUSES = {s.value for s in CaseStatus} | {OPEN}
_SOURCES = {s.value for s in CaseSource}
_TRUE, _FALSE = {"1", "true", "yes", "on", "是"}, {"0", "false", "no", "off", "否"}


@dataclass
class CaseQuery:
    statuses: list[str] = field(default_factory=list)
    grid: str | None = None
    community: str | None = None
    category: str | None = None
    overdue: bool | None = None
    since: date | None = None
    until: date | None = None
    source: str | None = None
    text: str = ""
    sort: str = "-created_at"
    page: int = 1
    per_page: int = PER_PAGE


def _values(params: Mapping[str, str], key: str) -> list[str]:
    getall = getattr(params, "getall", None)  # a MultiDict: every status=…
    raw = getall(key, []) if getall is not None else [params.get(key) or ""]
    return [v.strip() for value in raw for v in str(value).split(",") if v.strip()]


def _word(params: Mapping[str, str], key: str, limit: int = 64) -> str | None:
    value = str(params.get(key) or "").strip()
    return value[:limit] if value else None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(str(value).strip()), low), high)
    except (TypeError, ValueError):
        return default


def _flag(value: str | None) -> bool | None:
    folded = (value or "").strip().lower()
    return True if folded in _TRUE else False if folded in _FALSE else None


def parse_query(params: Mapping[str, str]) -> CaseQuery:
    """The query of a list page's URL parameters; whatever does not parse is left out."""
    source = _word(params, "source")
    sort = _word(params, "sort")
    return CaseQuery(
        statuses=list(dict.fromkeys(s for s in _values(params, "status") if s in _STATUSES)),
        grid=_word(params, "grid"), community=_word(params, "community"),
        category=_word(params, "category"), overdue=_flag(params.get("overdue")),
        since=_date(_word(params, "since")), until=_date(_word(params, "until")),
        source=source if source in _SOURCES else None,
        text=(_word(params, "q", 100) or _word(params, "text", 100) or ""),
        sort=sort if sort in SORTS else "-created_at",
        page=_int(params.get("page"), 1, 1, 10**6),
        per_page=_int(params.get("per_page"), PER_PAGE, 1, MAX_PER_PAGE))


def query_params(query: CaseQuery, **changes: object) -> list[tuple[str, str]]:
    """``query`` (with ``changes``, e.g. page=2) as URL parameters ``parse_query`` reads."""
    values = {**query.__dict__, **changes}
    out = [("status", s) for s in values["statuses"]]
    for key in ("grid", "community", "category", "source"):
        if values[key]:
            out.append((key, str(values[key])))
    if values["overdue"] is not None:
        out.append(("overdue", "1" if values["overdue"] else "0"))
    for key in ("since", "until"):
        if values[key]:
            out.append((key, values[key].isoformat()))
    if values["text"]:
        out.append(("q", values["text"]))
    if values["sort"] != "-created_at":
        out.append(("sort", values["sort"]))
    if values["page"] != 1:
        out.append(("page", str(values["page"])))
    if values["per_page"] != PER_PAGE:
        out.append(("per_page", str(values["per_page"])))
    return out


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), clock.SHANGHAI).astimezone(UTC)


def _filtered(scope: Scope, query: CaseQuery) -> QuerySet[Case]:
    q = scope.q()
    cases = Case.filter(q) if q is not None else Case.all()
    statuses = set(query.statuses) - {OPEN}
    if OPEN in query.statuses:
        statuses |= {s.value for s in OPEN_STATUSES}
    exact = {"status__in": sorted(statuses), "grid_code": query.grid,
             "community_code": query.community, "category_code": query.category,
             "overdue": query.overdue, "source": query.source}
    cases = cases.filter(**{k: v for k, v in exact.items() if v not in (None, [])})
    if query.since:
        cases = cases.filter(created_at__gte=_day_start(query.since))
    if query.until:
        cases = cases.filter(created_at__lt=_day_start(query.until + timedelta(days=1)))
    text = query.text.strip()
    if text:
        number = case_number(text)
        cases = (cases.filter(number=number) if number
                 else cases.filter(description__icontains=text))
    return cases


async def search(scope: Scope, query: CaseQuery) -> tuple[list[Case], int]:
    """One page of the cases in ``scope`` matching ``query``, and how many match in all."""
    cases = _filtered(scope, query)
    per_page = min(max(query.per_page, 1), MAX_PER_PAGE)
    page = max(query.page, 1)
    order = _ORDER.get(query.sort, _ORDER["-created_at"])
    listed = cases
    if order[0].endswith("_due_at"):
        listed = cases.annotate(**{_UNDATED: Choose(When(**{f"{order[0]}__isnull": True},
                                                         then="1"), default="0")})
        order = (_UNDATED, *order)
    found = await listed.order_by(*order).offset((page - 1) * per_page).limit(per_page)
    return found, await cases.count()


class CaseRow(NamedTuple):
    """The columns of a case the export writes (``csv_rows`` reads a ``Case`` alike)."""

    id: int
    number: str
    status: str
    category_code: str
    community_code: str | None
    grid_code: str | None
    address: str
    description: str
    source: str
    created_at: datetime | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    overdue: bool
    rating: int | None


async def stream(scope: Scope, query: CaseQuery, chunk: int = 1000
                 ) -> AsyncIterator[list[CaseRow]]:
    """Every case in ``scope`` matching ``query`` (paging ignored), by id, ``chunk`` at a
    time, as ``CaseRow``s: only the exported columns, read as the database driver returns
    them (a ``Case`` instance per row costs more than writing the row)."""
    cases = _filtered(scope, query)
    chunk = max(chunk, 1)
    last = 0
    while True:
        rows = [CaseRow._make(row) for row in await rows_of(
            cases.filter(id__gt=last).order_by("id").limit(chunk).values(*CaseRow._fields))]
        if not rows:
            return
        yield rows
        if len(rows) < chunk:
            return
        last = rows[-1].id


def _time(dt: datetime | None) -> str:
    """%Y-%m-%d %H:%M in Shanghai (isoformat: twice as quick as strftime)."""
    return clock.local(dt).isoformat(" ", "minutes")[:16] if dt else ""


async def _names(cases: Sequence[CaseRow | Case]
                 ) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Category, community and grid names of ``cases``: one query each, side by side."""
    def codes(attr: str) -> list[str]:
        return sorted({getattr(c, attr) for c in cases if getattr(c, attr)})
    categories, communities, grids = await asyncio.gather(
        Category.filter(code__in=codes("category_code")).values_list("code", "name"),
        Community.filter(code__in=codes("community_code")).values_list("code", "name"),
        Grid.filter(code__in=codes("grid_code")).values_list("code", "name"))
    return dict(categories), dict(communities), dict(grids)


async def csv_rows(cases: Sequence[CaseRow | Case]) -> list[list[str]]:
    """The CSV lines of ``cases`` (``CaseRow``s or ``Case``s; CSV_HEADER's columns): address
    coarse, description masked."""
    if not cases:
        return []
    categories, communities, grids = await _names(cases)
    statuses = {s.value: name for s, name in texts.STATUS_NAMES.items()}
    return [[
        c.number, statuses.get(c.status) or render.status_name(c),
        categories.get(c.category_code) or render.category_name(c.category_code),
        communities.get(c.community_code or "", c.community_code or ""),
        grids.get(c.grid_code or "", c.grid_code or ""),
        masking.coarse_address(c.address), masking.mask_text(c.description),
        texts.SOURCE_NAMES.get(str(c.source), str(c.source)),
        _time(c.created_at), _time(c.accepted_at), _time(c.resolved_at), _time(c.closed_at),
        texts.YES if c.overdue else texts.NO, str(c.rating) if c.rating is not None else "",
    ] for c in cases]
