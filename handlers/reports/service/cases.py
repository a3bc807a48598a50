"""Creating and finding cases: submit (locate, route, dispatch, tell staff), duplicates.

Every function runs in the caller's transaction when given ``using_db`` (the message's
effect), else in one of its own; refusals are ``CaseError``s carrying a Chinese reply.
"""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.transactions import in_transaction

from handlers import photos
from handlers.categories.queries import get_category
from handlers.geo import grids, known
from handlers.geo.projection import bbox_around, distance_m
from handlers.normalize import normalize
from handlers.reports import render, routing, texts
from handlers.reports.errors import UnknownCategory
from handlers.reports.lifecycle import born, insert_events, transition
from handlers.reports.staff import notify as staff_notify
from handlers.reports.urgency import staff_urgent
from storage import clock, held
from storage.core.models import Photo
from storage.geo.models import Category
from storage.inserts import insert_numbered, take_ids
from storage.reports.models import OPEN_STATUSES, Case, CaseEvent, CaseSource, CaseStatus

NUMBER_BASE = 1000  # A1001 is the first case
_NUMBER = re.compile(r"^[Aa]\s*(\d{1,10})$")


@asynccontextmanager
async def transaction(using_db: Any = None) -> AsyncIterator[Any]:
    """``using_db``, else the transaction already open around the caller (a message's
    effect: no savepoint, two round trips less), else a new one."""
    current = Tortoise.get_connection("default")
    if using_db is None and isinstance(current, TransactionalDBClient):
        using_db = current
    if using_db is not None:
        yield using_db
    else:
        async with in_transaction() as conn:
            yield conn


def case_number(text: str) -> str | None:
    """"A1234" from "A1234", "a 1234", "Ａ１２３４"; None otherwise."""
    match = _NUMBER.match(normalize(text).strip())
    return f"A{int(match.group(1))}" if match else None


async def find_case(number: str, using_db: Any = None) -> Case | None:
    parsed = case_number(number)
    return await Case.get_or_none(number=parsed).using_db(using_db) if parsed else None


async def _category(code: str) -> Category:
    category = await get_category(code)
    if category is None or not category.active:
        raise UnknownCategory(texts.UNKNOWN_CATEGORY.format(code=code))
    render.remember_category(category)
    return category


async def _place(lat: float | None, lng: float | None, building_code: str | None):
    if building_code:
        place = await grids.locate_building(building_code)
        if place is not None:
            return place
    if lat is not None and lng is not None:
        place = await grids.locate(lat, lng)
        if refusal := await known.outside_reply(place):
            raise known.OutsideArea(refusal)
        return place
    return None


async def outside(lat: float, lng: float) -> str | None:
    """The refusal for a place the service does not cover (beyond the street), else None."""
    return await known.outside_reply(await grids.locate(lat, lng))


async def submit_case(*, reporter_openid: str, category_code: str, description: str,
                      lat: float | None, lng: float | None, address: str,
                      building_code: str | None, media_ids: list[str],
                      source: CaseSource = CaseSource.CHAT, entered_by: str | None = None,
                      using_db: Any = None) -> Case:
    """A new case, located, routed and dispatched; its staff told through the outbox.

    ``source`` records how it reached us. ``entered_by`` is the operator who typed in a case
    taken by phone or on a visit (代录): the actor of its "submit" row and the owner of the
    photos they uploaded; by default the reporter.
    """
    author = entered_by or reporter_openid
    category = await _category(category_code)
    place = await _place(lat, lng, building_code)
    now = clock.now()
    case = Case(
        reporter_openid=reporter_openid, category_code=category.code,
        description=description.strip(),
        lat=lat if lat is not None else (place.lat if place else None),
        lng=lng if lng is not None else (place.lng if place else None),
        address=address.strip()[:255], building_code=place.building if place and
        place.building else building_code, grid_code=place.grid if place else None,
        community_code=place.community if place else None,
        compound_code=place.compound if place else None,
        responsible=category.responsible.value, department=category.department,
        accept_due_at=now + timedelta(hours=category.accept_sla_hours),
        resolve_due_at=now + timedelta(hours=category.resolve_sla_hours), source=source,
        updated_at=now)
    async with transaction(using_db) as conn:
        # Routed before it is written: the case is born dispatched, its number (from its id)
        # written by the same INSERT (``insert_numbered``: no UPDATE after it on PostgreSQL).
        found = await routing.assign(case, category, conn)
        for name, value in _routed(found, now).items():
            setattr(case, name, value)
        case.status = CaseStatus.DISPATCHED
        shots = list(dict.fromkeys(media_ids))
        # In a message's effect on PostgreSQL the rows' ids are taken first (one statement):
        # the case, its new photos and its history are then held for the effect's record and
        # go with it, one statement in all (``storage.held``).
        new = [m for m in shots if not photos.is_upload(m)]
        ids = (await take_ids(conn, [(Case, 1), (Photo, len(new)), (CaseEvent, 2)])
               if held.active(conn) else None)
        if ids is not None:
            case.id = ids[0][0]
        await insert_numbered(case, conn, field="number", prefix="A", base=NUMBER_BASE)
        photo_ids = dict(zip(new, ids[1], strict=True)) if ids is not None else {}
        attached = [await photos.attach(media_id, "report", case.number, author,
                                        new_id=photo_ids.get(media_id))
                    for media_id in shots]
        # Its history: the "submit" and the "dispatch", one INSERT.
        history = [born(case, "submit", author, CaseStatus.SUBMITTED, CaseStatus.SUBMITTED, now),
                   born(case, "dispatch", "system", CaseStatus.SUBMITTED, CaseStatus.DISPATCHED,
                        now, note=f"分拨至{found.label}")]
        if ids is not None:
            for event, event_id in zip(history, ids[2], strict=True):
                event.id = event_id
        await insert_events(history, conn)
        await _tell(case, category, found, history[-1].id, conn, shots=sorted(
            (p for p in attached if p.owner_kind == "report" and p.owner_id == case.number
             and p.status in staff_notify.SHOWN), key=lambda p: p.id))
    # Its history as written (ids and all), for a view of the new case without reading it
    # back (``written_history``).
    case.linli_written_history = history
    return case


def written_history(case: Case) -> list[CaseEvent] | None:
    """The history rows ``submit_case`` wrote for ``case`` (oldest first), if this is the
    object it returned; None for a case read from the database."""
    return getattr(case, "linli_written_history", None)


async def dispatch(case: Case, category: Category, using_db: Any = None) -> CaseEvent:
    """Route ``case`` (reopened) afresh and tell whoever must act: at once, even in the quiet
    hours, when the category's SLA ends before they do (``urgency``). A new case is routed
    before it is written (``submit_case``). Returns the dispatch's history row."""
    found = await routing.assign(case, category, using_db)
    moved = await transition(case, "dispatch", "system", note=f"分拨至{found.label}",
                             using_db=using_db, fields=_routed(found, clock.now()))
    await _tell(case, category, found, moved.event.id, using_db)
    return moved.event


def _routed(found: routing.Assignment, now: datetime) -> dict[str, Any]:
    """The case's columns a routing sets."""
    return {"assignee_openid": found.assignee, "responsible": found.responsible,
            "department": found.department, "property_org": found.property_org,
            "dispatched_at": now}


async def _tell(case: Case, category: Category, found: routing.Assignment, event_id: int,
                using_db: Any, *, shots: list[Photo] | None = None) -> None:
    """The dispatched case's staff told (``shots``: its photos, if the caller knows them)."""
    await staff_notify.dispatched(case, event_id, found.others, found.copies, found.label,
                                 using_db, urgent=staff_urgent(category), shots=shots)


_DUPLICATES: dict[str, str] = {}


def _duplicates_sql(dialect: str) -> str:
    """Open cases of a category inside a box, ordered by the squared distance from a point on
    the flat projection at its latitude (in degrees of latitude: for ordering only), nearest
    first. Parameters: category, the box (min lat, max lat, min lng, max lng), the point
    (lat, lng), a degree of longitude squared in latitude's, the limit. The same text for every
    place, so the driver prepares it once (the point used to be written into it)."""
    if dialect not in _DUPLICATES:
        meta = Case._meta
        p = [f"${i}" if dialect == "postgres" else f"?{i}" for i in range(1, 10)]
        columns = ", ".join(f'"{column}"' for column in meta.fields_db_projection.values())
        statuses = ", ".join(f"'{status.value}'" for status in OPEN_STATUSES)
        _DUPLICATES[dialect] = (
            f'SELECT {columns} FROM "{meta.db_table}" WHERE "category_code" = {p[0]} AND '
            f'"status" IN ({statuses}) AND "lat" >= {p[1]} AND "lat" <= {p[2]} AND '
            f'"lng" >= {p[3]} AND "lng" <= {p[4]} ORDER BY ("lat" - {p[5]}) * ("lat" - {p[5]}) '
            f'+ ("lng" - {p[6]}) * ("lng" - {p[6]}) * {p[7]}, "id" LIMIT {p[8]}')
    return _DUPLICATES[dialect]


async def find_duplicates(category_code: str, lat: float, lng: float,
                          limit: int | None = None) -> list[Case]:
    """Open cases of the category within its duplicate radius, nearest first (at most
    ``limit``).

    In a burst (a snowstorm, a campaign) dozens of open cases of one category lie within the
    radius: the database orders them by distance (on a local flat projection, which agrees
    with the great-circle distance to well under a millimetre at this scale) and returns
    only the nearest ``limit``."""
    category = await get_category(category_code)
    if category is None or category.duplicate_radius_m <= 0:
        return []
    lat, lng = float(lat), float(lng)
    if not (math.isfinite(lat) and math.isfinite(lng)):
        raise ValueError("a place needs finite coordinates")
    radius = category.duplicate_radius_m
    min_lat, min_lng, max_lat, max_lng = bbox_around(lat, lng, radius)
    shrink = math.cos(math.radians(lat)) ** 2  # a degree of longitude, squared, in latitude's
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict(
        _duplicates_sql(conn.capabilities.dialect),
        [category_code, min_lat, max_lat, min_lng, max_lng, lat, lng, shrink,
         limit if limit is not None else -1 if conn.capabilities.dialect != "postgres"
         else None])
    found = [Case._init_from_db(**row) for row in rows]
    return [c for c in found if distance_m(lat, lng, c.lat, c.lng) <= radius]
