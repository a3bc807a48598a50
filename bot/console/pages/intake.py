"""代录 ``/console/intake``: a case taken by phone (12345 热线, 来电) or on a visit (走访).

The operator picks the category, the place (a click on the grid map, or a building), writes
the description, may attach up to three photos and the caller's name and phone (private:
``CaseContact``). It goes through ``intake.submit_phoned`` -> ``submit_case``: routed and
dispatched like every other case, with its source recorded.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web
from tortoise.transactions import in_transaction

from bot import keys
from bot.console import session
from bot.console import texts as t
from bot.console.render import page
from handlers import audit, photos
from handlers.errors import Refusal
from handlers.reports.service import intake
from storage import console_sessions
from storage.geo.models import Building, Category
from storage.reports.models import CaseSource

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 10 * 1024 * 1024
SOURCES = (CaseSource.HOTLINE, CaseSource.VISIT)


async def _form_page(request: web.Request, viewer: session.Viewer, values: dict[str, str],
                     error: str = "", status: int = 200) -> web.Response:
    categories = await Category.filter(active=True).order_by("sort_order", "code")
    buildings = await Building.all().order_by("code")
    return page(request, viewer, "intake.html", status=status, categories=categories,
                buildings=buildings, values=values, error=error,
                sources=[(s.value, t.SOURCE_NAMES[s.value]) for s in SOURCES])


async def intake_page(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    return await _form_page(request, viewer, {"source": CaseSource.HOTLINE.value})


def _point(values: dict[str, str]) -> tuple[float | None, float | None]:
    try:
        lat = float(values["lat"]) if values.get("lat") else None
        lng = float(values["lng"]) if values.get("lng") else None
    except ValueError:
        return None, None
    return lat, lng


async def _uploads(request: web.Request, viewer: session.Viewer) -> list[str]:
    """Store the attached photos (each checked as the mini-program's uploads are)."""
    data = await request.post()
    files = [f for f in data.getall("photo", []) if getattr(f, "file", None) is not None]
    files = [f for f in files if f.filename][:MAX_PHOTOS + 1]
    if len(files) > MAX_PHOTOS:
        raise photos.BadImage(t.TOO_MANY_PHOTOS)
    store = request.config_dict[keys.SERVICES].photos
    ids = []
    for f in files:
        content = f.file.read(MAX_PHOTO_BYTES + 1)
        if len(content) > MAX_PHOTO_BYTES:
            raise photos.BadImage(t.PHOTO_TOO_BIG)
        ids.append((await photos.store_upload(store, content, viewer.openid)).media_id)
    return ids


async def intake_submit(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    values = await session.form_of(request, viewer)
    source = values.get("source", "")
    if source not in {s.value for s in SOURCES}:
        return await _form_page(request, viewer, values, t.CHOOSE_SOURCE, status=400)
    lat, lng = _point(values)
    kv = request.config_dict[keys.KV_STORE]
    once = values.get("once", "")
    if not await console_sessions.claim_form(kv, viewer.openid, once):
        return await _form_page(request, viewer, {}, t.ALREADY_DONE, status=409)
    try:
        photo_ids = await _uploads(request, viewer)
        async with in_transaction():
            case = await intake.submit_phoned(
                viewer.person, source=CaseSource(source), category=values.get("category", ""),
                description=values.get("description", ""),
                caller_name=values.get("caller_name", ""),
                caller_phone=values.get("caller_phone", ""), lat=lat, lng=lng,
                building_code=values.get("building") or None, photo_ids=photo_ids)
            await audit.record(viewer.openid, "intake", target=case.number,
                               community=case.community_code, detail=source,
                               ip=session.client_ip(request))
    except (Refusal, photos.BadImage) as refused:
        await console_sessions.release_form(kv, viewer.openid, once)
        return await _form_page(request, viewer, values, str(refused), status=400)
    done = quote(t.INTAKE_DONE.format(number=case.number))
    if not viewer.scope.covers(case):  # routed beyond the operator's scope: they stay here
        raise web.HTTPSeeOther(f"/console/intake?msg={done}")
    raise web.HTTPSeeOther(f"/console/cases/{case.number}?msg={done}")
