"""How a case looks in chat (zh-CN): chat text made from values, for residents and staff.

``case_card(case)`` is the full card (the reporter, staff); ``public_card(case)`` what other
residents may read (the nearby card, a supporter's 查): the description masked and the
address coarsened by ``handlers.masking``, as are the notes of ``public_timeline``.
Both are synchronous: category names come from a small cache that every
category read through ``remember_category`` fills, falling back to the default taxonomy
file and, last, the code itself.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from handlers import masking
from handlers.categories.taxonomy import DEFAULT_FILE
from handlers.geo import places
from handlers.geo.datafile import read_json
from handlers.reports import texts
from handlers.reports.lifecycle import INTERNAL
from storage import clock
from storage.geo.models import Category
from storage.reports.models import Case, CaseEvent, CaseStatus

_names: dict[str, str] = {}


@cache
def _file_names() -> dict[str, str]:
    try:
        return {c["code"]: c["name"] for c in read_json(DEFAULT_FILE)["categories"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def remember_category(category: Category) -> None:
    _names[category.code] = category.name


async def load_category_names() -> None:
    """Fill the cache from the database (a few dozen rows), e.g. before rendering a list."""
    for category in await Category.all():
        remember_category(category)


def category_name(code: str) -> str:
    return _names.get(code) or _file_names().get(code) or code


def when(dt: datetime | None) -> str:
    return clock.local(dt).strftime("%m-%d %H:%M") if dt else "-"


async def place_of(case: Case) -> str | None:
    """The place name (``handlers.geo.places``) of a case whose address is only coordinates
    or empty; None when the resident's own address (WeChat's label, a typed one) stands."""
    if case.address and not places.is_point_label(case.address):
        return None
    return await place_name_of(case) or None


async def place_name_of(case: Case) -> str:
    """``places.place_name`` of the case's point or building. Asked several times while one
    message or request is handled (each notice, the reply): kept on the instance for the
    place it was asked about."""
    asked = (case.lat, case.lng, case.building_code)
    memo = getattr(case, "_place_memo", None)
    if memo is not None and memo[0] == asked:
        return memo[1]
    name = await places.place_name(case.lat, case.lng, case.building_code)
    case._place_memo = (asked, name)  # type: ignore[attr-defined]
    return name


def where(case: Case, public: bool = False, place: str | None = None) -> str:
    """The address line; ``place`` (``place_of``) stands in for bare coordinates."""
    if place:
        return masking.coarse_address(place) if public else place
    shown = ((masking.coarse_address(case.address) if public else case.address)
             or texts.NO_ADDRESS)
    return f"{shown}（网格 {case.grid_code}）" if case.grid_code else shown


def public_description(case: Case) -> str:
    return masking.mask_text(case.description)


def status_name(case: Case) -> str:
    return texts.STATUS_NAMES.get(CaseStatus(case.status), str(case.status))


def case_card(case: Case, public: bool = False, place: str | None = None) -> str:
    description = public_description(case) if public else case.description
    return texts.CASE_CARD.format(
        number=case.number, category=category_name(case.category_code),
        status=status_name(case), overdue=texts.OVERDUE if case.overdue and _open(case) else "",
        where=where(case, public, place), description=description or texts.NO_DESCRIPTION,
        at=when(case.created_at),
        support=texts.SUPPORT.format(count=case.supporters_count) if case.supporters_count else "")


def public_card(case: Case, place: str | None = None) -> str:
    """The card other residents see: masked description, address down to the building."""
    return case_card(case, public=True, place=place)


def list_line(case: Case, place: str | None = None) -> str:
    return texts.LIST_LINE.format(number=case.number,
                                  category=category_name(case.category_code),
                                  status=status_name(case),
                                  overdue=texts.OVERDUE if case.overdue and _open(case) else "",
                                  where=where(case, place=place))


def _open(case: Case) -> bool:
    return case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.REJECTED,
                               CaseStatus.MERGED, CaseStatus.HIDDEN)


def event_line(event: CaseEvent, public: bool = False) -> str:
    action = texts.ACTION_NAMES.get(event.action, event.action)
    text = masking.mask_text(event.note) if public else event.note
    # Older reopen events repeat the action in their note (居民反馈没修好：…): say it once.
    text = text.removeprefix(action).lstrip("：:") if text.startswith(action) else text
    note = f"：{text}" if text else ""
    return texts.TIMELINE_LINE.format(at=when(event.at), action=action, note=note)


async def public_events(case: Case) -> list[CaseEvent]:
    """The history residents see, oldest first: no photo notes and nothing internal
    (``lifecycle.INTERNAL``: notes, 督办, 催办, 核查). A resolution approved by 核查 shows as
    the resolution, when it was approved, with the resolver's note (never the reviewer's)."""
    return resident_view(await CaseEvent.filter(case_id=case.id).order_by("at", "id"))


def resident_view(events: list[CaseEvent]) -> list[CaseEvent]:
    """``events`` (oldest first) as residents may see them (see ``public_events``)."""
    shown: list[CaseEvent] = []
    resolution = ""
    for event in events:
        if event.action == "resolve_review":
            resolution = event.note
        if event.action == "review_ok":
            shown.append(CaseEvent(id=event.id, case_id=event.case_id, at=event.at,
                                   actor_openid=event.actor_openid, action="resolve",
                                   from_status=CaseStatus.IN_PROGRESS.value,
                                   to_status=event.to_status, note=resolution))
        elif event.action != "photo" and event.action not in INTERNAL:
            shown.append(event)
    return shown


async def staff_events(case: Case) -> list[CaseEvent]:
    """The whole history staff see, oldest first (internal rows too), but the photo notes."""
    events = await CaseEvent.filter(case_id=case.id).order_by("at", "id")
    return [e for e in events if e.action != "photo"]


async def timeline(case: Case, public: bool = False, staff: bool = False) -> str:
    """The history in chat; ``public``: its notes masked (a supporter's view); ``staff``: with
    the internal rows (notes, 督办, 催办, 核查), for staff who may act on the case."""
    lines = [texts.TIMELINE_HEAD.format(number=case.number)]
    events = await staff_events(case) if staff and not public else await public_events(case)
    lines += [event_line(e, public) for e in events]
    return "\n".join(lines)
