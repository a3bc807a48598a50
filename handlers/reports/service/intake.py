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

from handlers.reports import texts
from handlers.reports.errors import BadInput, CaseError
from handlers.reports.service import cases
from storage.core.models import Person
from storage.geo.models import Building
from storage.reports.models import Case

MAX_DESCRIPTION = 300
MAX_ADDRESS = 255
BOTH_PLACES = "位置请二选一：地图上的位置（lat/lng），或本楼（use_building）。"
NO_PLACE = "请提供问题所在的位置：地图上的位置（lat/lng），或本楼（use_building）。"
BAD_POINT = "位置的经纬度不正确。"
NO_BUILDING = "您还没有关联楼栋（扫描楼栋二维码即可关联），请在地图上选择位置。"
PHOTOS = "随手拍需要 1-3 张照片。"
SUPPORTED = "已为 {number} +1，您会和上报人一起收到处理进展。谢谢您！"
ALREADY_SUPPORTED = "您已经为 {number} +1 过了，会收到它的处理进展。"
LONG_DESCRIPTION = "描述请在 300 字以内。"


class NoBuilding(CaseError):
    """本楼 for a person bound to no (known) building."""

    code = "no_building"


async def building_of(person: Person) -> Building | None:
    """The building ``person`` is bound to by its QR code (as the chat's 本楼 reads it)."""
    code = (person.building or "").strip().upper()
    return await Building.get_or_none(code=code) if code else None


def point_label(lat: float, lng: float) -> str:
    """The address of a point nobody named (as the chat labels a bare location)."""
    return f"{lat:.5f},{lng:.5f}"


async def submit_report(person: Person, *, category: str, description: str,
                        photo_ids: list[str], lat: float | None, lng: float | None,
                        address: str = "", use_building: bool = False) -> Case:
    """A new case from a form; BadInput, NoBuilding, UnknownCategory as the chat refuses.

    ``photo_ids`` must be photos ``person`` may attach (the caller checks uploads).
    """
    shots = list(dict.fromkeys(photo_ids))
    if not 1 <= len(shots) <= texts.MAX_PHOTOS:
        raise BadInput(PHOTOS)
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise BadInput(LONG_DESCRIPTION)
    address = address.strip()
    building_code = None
    if use_building:
        if lat is not None or lng is not None:
            raise BadInput(BOTH_PLACES)
        building = await building_of(person)
        if building is None:
            raise NoBuilding(NO_BUILDING)
        lat, lng, building_code = building.lat, building.lng, building.code
        address = address or building.name
    else:
        if lat is None or lng is None:
            raise BadInput(NO_PLACE)
        if not (math.isfinite(lat) and math.isfinite(lng) and abs(lat) <= 90
                and abs(lng) <= 180):
            raise BadInput(BAD_POINT)
        address = address or point_label(lat, lng)
    return await cases.submit_case(
        reporter_openid=person.openid, category_code=category, description=description,
        lat=lat, lng=lng, address=address[:MAX_ADDRESS], building_code=building_code,
        media_ids=shots)
