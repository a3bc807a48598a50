"""POST a service request: checked, then created by the chat's own ``submit_case``.

The reporter is the client (``open311:<key name>``): staff see the case like any other, the
client follows it by its number, nobody gets WeChat pushes for it and nobody earns its
reporter's points. The submitter's email, name, phone and device id are accepted and not
kept (nothing here could use them); ``account_id`` is kept to be echoed back.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping
from typing import Any

from tortoise.transactions import in_transaction

from handlers.geo import grids, known
from handlers.open311 import texts
from handlers.open311.coords import to_gcj02
from handlers.open311.documents import Created
from handlers.open311.errors import BadRequest, TooMany
from handlers.open311.keys import authenticate
from handlers.open311.services import active_category, service_notice
from handlers.reports.notify import OPEN311_REPORTER
from handlers.reports.service.cases import submit_case
from storage import keys as redis_keys
from storage.core.models import Open311Request
from storage.kv import KV
from storage.ratelimit import hit
from storage.reports.models import Case, CaseSource

RATE_LIMIT = 60  # POSTs per key and minute
RATE_WINDOW = 60
MAX_DESCRIPTION = 4000  # the spec's limit
MAX_ADDRESS = 255
MAX_ACCOUNT_ID = 64
MAX_MEDIA_URL = 500
# Characters XML 1.0 cannot carry (a description is shown in XML later).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _text(form: Mapping[str, str], name: str, limit: int) -> str:
    value = _CONTROL.sub("", form.get(name) or "").strip()
    if len(value) > limit:
        raise BadRequest(texts.E_TOO_LONG.format(field=name, limit=limit))
    return value


def _coordinate(raw: str, low: float, high: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(texts.E_BAD_LATLONG.format(value=raw)) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise BadRequest(texts.E_BAD_LATLONG.format(value=raw))
    return value


def _latlong(form: Mapping[str, str]) -> tuple[float, float] | None:
    """The WGS84 point given, in GCJ-02; None when neither lat nor long was given."""
    lat, lng = (form.get("lat") or "").strip(), (form.get("long") or "").strip()
    if not lat and not lng:
        return None
    if not lat or not lng:
        raise BadRequest(texts.E_HALF_LATLONG)
    return to_gcj02(_coordinate(lat, -90, 90), _coordinate(lng, -180, 180))


async def _submit(**fields: Any) -> Case:
    """The chat's own use case; a place outside the street is the spec's 400."""
    try:
        return await submit_case(**fields)
    except known.OutsideArea as exc:
        raise BadRequest(exc.reply) from None


async def create_request(kv: KV, form: Mapping[str, str]) -> Created:
    key = await authenticate(form.get("api_key"))
    if not await hit(kv, redis_keys.rate_open311_post(key.id), RATE_LIMIT, RATE_WINDOW):
        raise TooMany(texts.E_RATE.format(limit=RATE_LIMIT))
    code = (form.get("service_code") or "").strip()
    if not code:
        raise BadRequest(texts.E_NO_SERVICE_CODE)
    category = await active_category(code)
    point = _latlong(form)
    address = _text(form, "address_string", MAX_ADDRESS)
    building = _text(form, "address_id", 32).upper() or None
    if point is None and not address and building is None:
        raise BadRequest(texts.E_NO_LOCATION)
    if building is not None and await grids.locate_building(building) is None:
        raise BadRequest(texts.E_UNKNOWN_ADDRESS_ID.format(code=building))
    description = _text(form, "description", MAX_DESCRIPTION)
    account_id = _text(form, "account_id", MAX_ACCOUNT_ID)
    media_url = _text(form, "media_url", MAX_MEDIA_URL)
    if media_url and not media_url.lower().startswith(("http://", "https://")):
        raise BadRequest(texts.E_BAD_MEDIA_URL)
    token = secrets.token_urlsafe(16)
    async with in_transaction() as conn:
        case = await _submit(
            reporter_openid=f"{OPEN311_REPORTER}{key.name}", category_code=category.code,
            description=description, lat=point[0] if point else None,
            lng=point[1] if point else None, address=address, building_code=building,
            media_ids=[], source=CaseSource.OPEN311, using_db=conn)
        await Open311Request.create(case_number=case.number, token=token, key_id=key.id,
                                    account_id=account_id, media_url=media_url,
                                    using_db=conn)
    return Created(service_request_id=case.number, token=token,
                   service_notice=service_notice(category), account_id=account_id or None)
