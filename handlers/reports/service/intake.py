"""A report sent as one form (the mini-program): the chat's 随手拍 in a single step.

The chat collects the slots in a conversation (``flows.report``, ``draft``); a form sends them
together: 1-3 photos, the category, a description and the place - a point in GCJ-02 or the
reporter's own building (本楼). Checked here, then created by ``cases.submit_case`` like
every other case. Before submitting, a client offers the open cases nearby
(``cases.find_duplicates``) and ``support.support_nearby`` (+1) instead, as the chat's
"是不是这个？" does.

``submit_phoned`` is the console's 代录: an operator enters a case taken by phone (12345, a
call to the community) or seen on a visit. It has no WeChat reporter (``reporter_openid``
is "", so nobody is pushed to and nobody earns points, ``notify.is_external``); the caller's
name and phone are kept apart in ``CaseContact``, and the history's "submit" row names the
operator.
"""

from __future__ import annotations

import math
import re

from tortoise.transactions import in_transaction

from handlers import photos
from handlers.geo import known, places
from handlers.normalize import normalize
from handlers.reports import texts
from handlers.reports.errors import BadInput, CaseError, NotAllowed
from handlers.reports.notify import NO_REPORTER
from handlers.reports.service import cases
from handlers.reports.service import texts as phoned_texts
from storage.core.models import Person
from storage.geo.models import Building
from storage.reports.models import Case, CaseContact, CaseSource

MAX_DESCRIPTION = 300
MAX_ADDRESS = 255
MAX_CALLER_NAME = 30
PHONED_SOURCES = frozenset({CaseSource.HOTLINE, CaseSource.VISIT})
# A Chinese phone number once spaces, hyphens and brackets are gone: a mobile (+86 optional),
# a landline with its area code (0xx / 0xxx, 7-8 digits, an extension after it), or a local
# landline of 7-8 digits without one.
_PHONE = re.compile(r"(?:(?:\+?86)?1[3-9]\d{9}|(?:\+?86)?0\d{9,11}(?:#?\d{1,6})?|[2-9]\d{6,7})")
_PHONE_NOISE = re.compile(r"[\s()\-（）－—]")


class NoBuilding(CaseError):
    """本楼 for a person bound to no (known) building."""

    code = "no_building"


async def building_of(person: Person) -> Building | None:
    """The building ``person`` is bound to by its QR code (as the chat's 本楼 reads it)."""
    code = (person.building or "").strip().upper()
    return await Building.get_or_none(code=code) if code else None


def point_label(lat: float, lng: float) -> str:
    """The address of a point nobody named (as the chat labels a bare location); views show
    ``handlers.geo.places.place_name`` in its place."""
    return places.point_label(lat, lng)


async def submit_report(person: Person, *, category: str, description: str,
                        photo_ids: list[str], lat: float | None, lng: float | None,
                        address: str = "", use_building: bool = False) -> Case:
    """A new case from a form; BadInput, NoBuilding, UnknownCategory as the chat refuses.

    ``photo_ids`` must be photos ``person`` may attach (the caller checks uploads).
    """
    shots = list(dict.fromkeys(photo_ids))
    if not 1 <= len(shots) <= texts.MAX_PHOTOS:
        raise BadInput(texts.FORM_PHOTOS)
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise BadInput(texts.FORM_LONG_DESCRIPTION)
    address = address.strip()
    building_code = None
    if use_building:
        if lat is not None or lng is not None:
            raise BadInput(texts.FORM_BOTH_PLACES)
        building = await building_of(person)
        if building is None:
            raise NoBuilding(texts.FORM_NO_BUILDING)
        lat, lng, building_code = building.lat, building.lng, building.code
        address = address or building.name
    else:
        if lat is None or lng is None:
            raise BadInput(texts.FORM_NO_PLACE)
        if not (math.isfinite(lat) and math.isfinite(lng) and abs(lat) <= 90
                and abs(lng) <= 180):
            raise BadInput(texts.FORM_BAD_POINT)
        address = address or point_label(lat, lng)
    return await cases.submit_case(
        reporter_openid=person.openid, category_code=category, description=description,
        lat=lat, lng=lng, address=address[:MAX_ADDRESS], building_code=building_code,
        media_ids=shots, source=CaseSource.MINIAPP)


def check_phone(text: str) -> str:
    """The caller's phone as stored: digits (and a leading +, an extension's #); "" when
    none was given. BadInput for anything that is no Chinese phone number."""
    cleaned = _PHONE_NOISE.sub("", normalize(text))
    if not cleaned:
        return ""
    if not _PHONE.fullmatch(cleaned):
        raise BadInput(phoned_texts.PHONED_BAD_PHONE)
    return cleaned


async def _phoned_place(lat: float | None, lng: float | None,
                        building_code: str | None) -> tuple[float | None, float | None, str]:
    """(lat, lng, address) of the place an operator gave: a point or a known building."""
    code = (building_code or "").strip().upper()
    if code:
        if lat is not None or lng is not None:
            raise BadInput(phoned_texts.PHONED_BOTH_PLACES)
        building = await Building.get_or_none(code=code)
        if building is None:
            raise BadInput(phoned_texts.PHONED_UNKNOWN_BUILDING.format(code=code))
        return None, None, building.name
    if lat is None or lng is None:
        raise BadInput(phoned_texts.PHONED_NO_PLACE)
    if not (math.isfinite(lat) and math.isfinite(lng) and abs(lat) <= 90 and abs(lng) <= 180):
        raise BadInput(texts.FORM_BAD_POINT)
    return lat, lng, point_label(lat, lng)


def _phoned_fields(operator: Person, source: CaseSource | str, category: str,
                   description: str, caller_name: str) -> tuple[CaseSource, str, str, str]:
    """The checked (source, category, description, caller name); refusals as BadInput."""
    if not operator.role.is_staff:
        raise NotAllowed(phoned_texts.PHONED_NOT_STAFF)
    try:
        source = CaseSource(source)
    except ValueError:
        raise BadInput(phoned_texts.PHONED_SOURCE) from None
    if source not in PHONED_SOURCES:
        raise BadInput(phoned_texts.PHONED_SOURCE)
    category, description = (category or "").strip(), (description or "").strip()
    if not category:
        raise BadInput(phoned_texts.PHONED_NO_CATEGORY)
    if not description:
        raise BadInput(phoned_texts.PHONED_NO_DESCRIPTION)
    if len(description) > MAX_DESCRIPTION:
        raise BadInput(texts.FORM_LONG_DESCRIPTION)
    caller_name = normalize(caller_name)
    if len(caller_name) > MAX_CALLER_NAME:
        raise BadInput(phoned_texts.PHONED_LONG_NAME)
    return source, category, description, caller_name


async def submit_phoned(operator: Person, *, source: CaseSource, category: str,
                        description: str, caller_name: str, caller_phone: str,
                        lat: float | None, lng: float | None, building_code: str | None,
                        photo_ids: list[str]) -> Case:
    """代录: a case ``operator`` (staff) took by phone or on a visit, created by
    ``cases.submit_case`` and routed like any other, with its source and its caller.

    The place is a point (GCJ-02) or a building's code (an unknown one is BadInput); 0-3
    photos, each an upload of the operator's (``photos.store_upload``). The caller's name
    and phone are optional; a phone, when given, must be a Chinese phone number. Refusals:
    NotAllowed (not staff), BadInput, UnknownCategory - all CaseErrors.
    """
    source, category, description, name = _phoned_fields(
        operator, source, category, description, caller_name)
    phone = check_phone(caller_phone)
    lat, lng, address = await _phoned_place(lat, lng, building_code)
    shots = list(dict.fromkeys(photo_ids))
    if len(shots) > texts.MAX_PHOTOS:
        raise BadInput(phoned_texts.PHONED_PHOTOS)
    try:
        await photos.check_uploads(shots, operator.openid)
        async with in_transaction() as conn:
            case = await cases.submit_case(
                reporter_openid=NO_REPORTER, category_code=category, description=description,
                lat=lat, lng=lng, address=address[:MAX_ADDRESS],
                building_code=(building_code or "").strip().upper() or None, media_ids=shots,
                source=source, entered_by=operator.openid, using_db=conn)
            await CaseContact.create(case_id=case.id, name=name, phone=phone,
                                     entered_by=operator.openid, using_db=conn)
    except (photos.UnknownUpload, known.OutsideArea) as exc:
        raise BadInput(exc.reply) from None
    return case
