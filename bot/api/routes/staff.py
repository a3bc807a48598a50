"""/api/v1 staff operations: the queue (我的待办), a case as staff see it, and the actions
接单 / 处理中 / 完成 / 驳回 / 转派 / 报到 - the same ``handlers.reports`` functions the chat calls.

Authorization: staff roles only (a resident or volunteer: 403 ``forbidden``). A case is
shown to, and changed by, only who may act on it (``staff.auth.may_act``: the assignee, the
grid's workers and deputy, the compound's property managers while the property answers for
it, the responsible department, admins); anyone else gets 403 ``not_allowed``, as in chat
("不归您处理"). A number that names no case is 404 ``unknown_case``. Case numbers are
sequential and staff may look any case up in chat (``查 A1234``), so the 403 hides nothing.
Staff never see who reported or supported a case (see ``handlers.reports.staff.queries``).
A status that does not allow the action is 409 ``wrong_state`` (two staff pressing 接单 at
once: one 200, one 409).
"""

from __future__ import annotations

from bot.api import texts as api_texts
from bot.api.errors import ApiError
from bot.api.operations import STAFF, Call, Routes
from bot.api.pagination import Page, decode_cursor, page
from bot.api.routes.staff_models import (
    StaffActionOut,
    StaffCaseDetail,
    StaffCaseItem,
    StaffQueueQuery,
    StaffRejectIn,
    StaffResolveIn,
    StaffTransferIn,
)
from handlers import photos
from handlers.reports import render
from handlers.reports.errors import BadInput
from handlers.reports.service.cases import case_number
from handlers.reports.staff import queries as staff_queries
from handlers.reports.staff import service as staff_service
from handlers.reports.staff import texts as t
from storage.core.models import Person, Role
from storage.reports.models import Case, CaseStatus

routes = Routes("staff")

CASE_ERRORS = (403, 404, 409, 422)
StaffCasePage = Page[StaffCaseItem]


def _after(query: StaffQueueQuery) -> tuple[int, int, int] | None:
    """The urgency key of the last case of the previous page (``staff_queries.urgency``)."""
    value = decode_cursor(query.cursor)
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 3
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise ApiError(400, "bad_cursor", api_texts.BAD_CURSOR)
    return (value[0], value[1], value[2])


@routes.get("/staff/cases", query=StaffQueueQuery, response=StaffCasePage, roles=STAFF,
            summary="我的待办：我负责的未办结案件，最急的在前",
            description="与公众号「我的待办」相同：已超时的在前，然后按当前时限（受理或办结）"
                        "由近到远。scope=grid 仅限管理员：所辖社区（未指定社区的管理员为全部）"
                        "的全部未办结案件。")
async def staff_queue(call: Call) -> StaffCasePage:
    query: StaffQueueQuery = call.query
    after = _after(query)
    statuses = [CaseStatus(query.status)] if query.status else None
    if query.scope == "grid":
        if call.me.role is not Role.ADMIN:
            raise ApiError(403, "forbidden", api_texts.ADMINS_ONLY_GRID)
        rows = await staff_queries.community_cases(call.me, query.grid, statuses)
    else:
        rows = await staff_queries.my_cases(call.me, statuses)
        if query.grid:
            rows = [c for c in rows if c.grid_code == query.grid]
    if after is not None:
        rows = [c for c in rows if staff_queries.urgency(c) > after]
    await render.load_category_names()
    me = call.me.openid
    items, cursor = page(rows[:query.limit + 1], query.limit,
                         lambda c: StaffCaseItem.of(c, me),
                         key=lambda c: list(staff_queries.urgency(c)))
    return StaffCasePage(items=items, next_cursor=cursor)


@routes.get("/staff/cases/{number}", response=StaffCaseDetail, roles=STAFF, errors=(403, 404),
            summary="案件详情（工作人员）：照片、负责方、时限和办理进度")
async def staff_case(call: Call) -> StaffCaseDetail:
    found = await staff_queries.case_file(call.params["number"], call.me)
    return StaffCaseDetail.of_file(found, call.me.openid)


async def _answer(case: Case, person: Person, message: str) -> StaffActionOut:
    fresh = await Case.get(id=case.id)  # as this transaction left it
    found = await staff_queries.file_of(fresh, person)
    return StaffActionOut(message=message, case=StaffCaseDetail.of_file(found, person.openid))


@routes.post("/staff/cases/{number}/accept", response=StaffActionOut, roles=STAFF,
             idempotent=True, errors=CASE_ERRORS, summary="接单（受理案件）")
async def staff_accept(call: Call) -> StaffActionOut:
    case = await staff_service.accept(call.params["number"], call.me)
    return await _answer(case, call.me, t.ACCEPTED.format(number=case.number))


@routes.post("/staff/cases/{number}/start", response=StaffActionOut, roles=STAFF,
             idempotent=True, errors=CASE_ERRORS, summary="标记处理中")
async def staff_start(call: Call) -> StaffActionOut:
    case = await staff_service.start(call.params["number"], call.me)
    return await _answer(case, call.me, t.STARTED.format(number=case.number))


@routes.post("/staff/cases/{number}/resolve", body=StaffResolveIn, response=StaffActionOut,
             roles=STAFF, idempotent=True, upload_into="photo_ids", max_files=1,
             errors=CASE_ERRORS,
             summary="办结：必须附一张处理后的现场照片（multipart 的 photos，或 photo_ids）")
async def staff_resolve(call: Call) -> StaffActionOut:
    body: StaffResolveIn = call.body
    number, me = call.params["number"], call.me
    await staff_service.case_for(number, me, "resolve")  # the case's refusals come first
    await photos.check_uploads(body.photo_ids, me.openid)
    case = await staff_service.resolve(number, me, body.photo_ids[0], body.note.strip())
    return await _answer(case, me, staff_service.resolved_reply(case))


@routes.post("/staff/cases/{number}/reject", body=StaffRejectIn, response=StaffActionOut,
             roles=STAFF, idempotent=True, errors=CASE_ERRORS,
             summary="驳回：写明原因和应找的单位（告知居民）")
async def staff_reject(call: Call) -> StaffActionOut:
    reason = call.body.reason.strip()
    number = call.params["number"]
    if not reason:
        raise BadInput(t.NEED_REASON.format(number=case_number(number) or number))
    case = await staff_service.reject(number, call.me, reason)
    return await _answer(case, call.me, t.REJECTED.format(number=case.number,
                                                          reason=case.referral))


@routes.post("/staff/cases/{number}/transfer", body=StaffTransferIn, response=StaffActionOut,
             roles=STAFF, idempotent=True, errors=CASE_ERRORS,
             summary="转派（吹哨）给小区物业或职能部门")
async def staff_transfer(call: Call) -> StaffActionOut:
    case, label = await staff_service.transfer(call.params["number"], call.me, call.body.to)
    return await _answer(case, call.me, t.TRANSFERRED.format(number=case.number, label=label))


@routes.post("/staff/cases/{number}/acknowledge", response=StaffActionOut, roles=STAFF,
             idempotent=True, errors=CASE_ERRORS,
             summary="报到：小区物业确认负责（待受理的同时受理）")
async def staff_acknowledge(call: Call) -> StaffActionOut:
    case = await staff_service.acknowledge(call.params["number"], call.me)
    return await _answer(case, call.me, t.ACKNOWLEDGED.format(number=case.number))
