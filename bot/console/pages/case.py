"""案件详情 ``/console/cases/A1234``: the timeline, photos, place, people, and the actions.

A case outside the viewer's scope does not exist (404). Private data - the full description,
the exact address, the reporter's or caller's name and phone - is shown only to who may act
on the case (``staff.auth.may_act``), and every such view is written to the audit log; others
see masked text. Each action calls the use case the chat calls (``handlers.reports.staff``),
in one transaction with its audit entry, and comes back to the page with what happened.
"""

from __future__ import annotations

from aiohttp import web
from tortoise.transactions import in_transaction

from bot import keys
from bot.console import session
from bot.console import texts as t
from bot.console.forms import back, claim_form, posted_form, release_form
from bot.console.render import not_found, page
from handlers import audit, photo_access
from handlers.errors import Refusal
from handlers.photos import content_of
from handlers.reports import render as report_render
from handlers.reports.errors import BadInput
from handlers.reports.service.cases import case_number, find_case
from handlers.reports.staff import queries as staff_queries
from handlers.reports.staff import service, steer
from handlers.reports.staff.auth import may_act
from storage.core.models import Person
from storage.reports.models import OPEN_STATUSES, CaseContact, CaseStatus, Supporter

INTERNAL = frozenset({"note", "supervise", "remind", "resolve_review", "review_ok", "review_back"})
MAX_TEXT = 500


async def _case_in_scope(request: web.Request, viewer: session.Viewer):
    number = case_number(request.match_info["number"])
    case = await find_case(number) if number else None
    if case is None or not viewer.scope.covers(case):
        return None
    return case


async def _people(case, private: bool) -> dict:
    reporter = await Person.get_or_none(openid=case.reporter_openid) if case.reporter_openid \
        else None
    contact = await CaseContact.get_or_none(case_id=case.id)
    supporters = await Supporter.filter(case_id=case.id).order_by("created_at")
    names = {p.openid: p for p in await Person.filter(
        openid__in=[s.openid for s in supporters])} if supporters else {}
    return {"reporter": reporter, "contact": contact, "private": private,
            "supporters": [(names.get(s.openid), s) for s in supporters]}


async def case_page(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    case = await _case_in_scope(request, viewer)
    if case is None:
        return not_found(request, viewer)
    acts = await may_act(case, viewer.person)
    steers = await steer.may_steer(case, viewer.person)
    file = await staff_queries.file_of(case, viewer.person)
    people = await _people(case, private=acts)
    if acts:  # the full text, the exact place and who reported: audited
        await audit.record(viewer.openid, "view_private", target=case.number,
                           community=case.community_code, ip=session.client_ip(request),
                           detail=_private_fields(case, people))
    staff = await steer.assignable_staff(case) if steers else []
    return page(request, viewer, "case.html", case=case, file=file, acts=acts, steers=steers,
                people=people, staff=staff, internal=INTERNAL, is_open=case.status in OPEN_STATUSES,
                reviewing=case.status is CaseStatus.REVIEWING,
                category=report_render.category_name(case.category_code))


def _private_fields(case, people: dict) -> str:
    shown = ["description", "address"]
    if people["reporter"] is not None and people["reporter"].phone:
        shown.append("reporter_phone")
    if people["contact"] is not None:
        shown.append("caller")
    return ",".join(shown)


async def _run(action: str, number: str, viewer: session.Viewer, form: dict[str, str]) -> str:
    """Apply one action; returns what to tell the viewer. CaseError when refused."""
    me = viewer.person
    text = form.get("text", "").strip()[:MAX_TEXT]
    if action == "assign":
        await steer.assign_to(number, me, form.get("target", ""))
    elif action == "supervise":
        await steer.supervise(number, me, text)
    elif action == "remind":
        await steer.remind(number, me)
    elif action == "reject":
        if not text:
            raise BadInput(t.NEED_REASON)
        await service.reject(number, me, text)
    elif action == "hide":
        await steer.hide(number, me, text)
    elif action in ("review_ok", "review_back"):
        await steer.review(number, me, action == "review_ok", text)
    elif action == "note":
        await steer.add_note(number, me, text)
    else:
        raise BadInput(t.UNKNOWN_ACTION)
    return t.ACTION_DONE[action]


async def case_action(request: web.Request) -> web.StreamResponse:
    viewer, form = await posted_form(request)
    case = await _case_in_scope(request, viewer)
    if case is None:
        return not_found(request, viewer)
    here = f"/console/cases/{case.number}"
    action = form.get("action", "")
    once = await claim_form(request, viewer, form, here, required=False)
    try:
        async with in_transaction():
            done = await _run(action, case.number, viewer, form)
            await audit.record(viewer.openid, action if action in t.ACTION_DONE else "action",
                               target=case.number, community=case.community_code,
                               ip=session.client_ip(request),
                               detail=" ".join(v for k, v in sorted(form.items())
                                               if k in ("target", "text") and v)[:500])
    except Refusal as refused:
        await release_form(request, viewer, once)
        raise back(here, err=str(refused)) from None
    raise back(here, msg=done)


async def photo(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    raw = request.match_info["id"]
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 2 ** 63:
        return not_found(request, viewer)
    try:
        shown = await photo_access.viewable(int(raw), viewer.person)
    except Refusal:
        return not_found(request, viewer)
    content = await content_of(request.config_dict[keys.SERVICES].photos, shown)
    if content is None:
        return not_found(request, viewer)
    return web.Response(body=content, headers={"Content-Type": shown.content_type,
                                               "Cache-Control": "private, max-age=86400"})
