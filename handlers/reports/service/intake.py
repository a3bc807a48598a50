"""A report sent as one form (the mini-program): the chat's 随手拍 in a single step.

The chat collects the slots in a conversation (``flows.report``, ``draft``); a form sends them
together: 1-3 photos, the category, a description and the place - a point in GCJ-02 or the
reporter's own building (本楼). Checked here, then created by ``cases.submit_case`` like
every other case. Before submitting, a client offers the open cases nearby
(``cases.find_duplicates``) and ``support.support_nearby`` (+1) instead, as the chat's
"是不是这个？" does.
"""

from __future__ import annotations

import math

from handlers.geo import places
from handlers.reports import texts
from handlers.reports.errors import BadInput, CaseError
from handlers.reports.service import cases
from storage.core.models import Person
from storage.geo.models import Building
from storage.reports.models import Case

MAX_DESCRIPTION = 300
MAX_ADDRESS = 255


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
        media_ids=shots)
