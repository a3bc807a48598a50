"""随手拍 for residents: the categories, reporting, the duplicates nearby and +1, my reports,
one case with its timeline, and the reporter's answer to a resolved case.

The same use cases as the chat (``handlers.reports``): ``intake.submit_report`` ends in
``cases.submit_case``; +1 is ``support.support_case``; 满意 / 评分 / 没修好 are
``feedback.confirm_case`` / ``feedback.reopen_case`` (a confirmation's points follow its
commit: ``confirm_case`` registers them).

Who sees a case: its reporter, its supporters (+1), and staff who may act on it
(``staff.auth.may_act``: the assignee, the grid's workers and deputy, the responsible
property manager or department, admins). Anyone else gets 404 ``unknown_case``, the same as
for a number that does not exist, so case numbers reveal nothing. Only the reporter answers
a resolved case (403 ``not_allowed`` for supporters and staff). An open case may be +1'd
only from a location within its category's duplicate radius (``support.support_nearby``:
what ``GET /reports/nearby`` offers for that point); a number alone is a 404 like an unknown
case. Supporters see the public view (masked description, coarse address, no reporter
photos).
"""

from __future__ import annotations

from bot.api import texts as api_texts
from bot.api.operations import Call, Routes
from bot.api.pagination import Page, cursor_id, page
from bot.api.routes.reports_models import (
    ReportActionOut,
    ReportCard,
    ReportCategory,
    ReportCategoryList,
    ReportCategorySuggestion,
    ReportCategorySuggestions,
    ReportConfirmIn,
    ReportCreate,
    ReportDetail,
    ReportMineQuery,
    ReportNearbyCard,
    ReportNearbyList,
    ReportNearbyQuery,
    ReportRateIn,
    ReportReopenIn,
    ReportSuggestQuery,
    ReportSupportIn,
    ReportSupportOut,
)
from handlers import photos
from handlers.categories import suggest
from handlers.categories.queries import active_categories, get_category
from handlers.geo.projection import distance_m
from handlers.reports import queries, render, texts
from handlers.reports.errors import NotAllowed, UnknownCase, UnknownCategory
from handlers.reports.service import cases, feedback, intake, support
from storage import readonce
from storage.core.models import Person, Photo
from storage.reports.models import Case

routes = Routes("reports")

NEARBY_LIMIT = 10
MAX_ID = 2**31 - 1  # Case.id is an IntField


def _number(call: Call) -> str:
    number = cases.case_number(call.params.get("number", ""))
    if number is None:
        raise UnknownCase(api_texts.UNKNOWN_CASE)
    return number


def _unknown(number: str) -> UnknownCase:
    """The same 404 for a case that does not exist and for one the caller may not see."""
    return UnknownCase(texts.UNKNOWN_CASE.format(number=number))


async def _visible(call: Call) -> Case:
    """The path's case if the caller may see it; 404 alike for unknown and not theirs."""
    number = _number(call)
    try:
        return await queries.visible_case(number, call.me, any_staff=False)
    except (UnknownCase, NotAllowed):
        raise _unknown(number) from None


async def _answerable(call: Call) -> Case:
    """The path's case if it waits for the caller's answer (404, 403 not_allowed, 409)."""
    case = await _visible(call)
    return await feedback.answerable_case(case.number, call.me.openid)


async def _detail(case: Case, person: Person) -> ReportDetail:
    await render.load_category_names()
    return ReportDetail.of(await queries.case_view(case, person))


# -- categories ---------------------------------------------------------------------------


@routes.get("/categories", response=ReportCategoryList, summary="随手拍的问题分类（启用的）")
async def report_categories(call: Call) -> ReportCategoryList:
    return ReportCategoryList(items=[ReportCategory.of(c)
                                     for c in await active_categories()])


@routes.get("/categories/suggest", query=ReportSuggestQuery,
            response=ReportCategorySuggestions, summary="按描述推荐问题分类")
async def suggest_report_categories(call: Call) -> ReportCategorySuggestions:
    found = await suggest.suggest(call.query.text)
    return ReportCategorySuggestions(items=[ReportCategorySuggestion.of(s) for s in found])


# -- reporting ------------------------------------------------------------------------------


@routes.post("/reports", body=ReportCreate, response=ReportDetail, status=201,
             idempotent=True, upload_into="photo_ids", errors=(409, 422),
             summary="随手拍：上报一个问题（1-3 张照片）",
             description="照片可以直接以 multipart 的 photos 字段上传，也可以先 POST /photos，"
                         "再以 JSON 的 photo_ids 提交。位置二选一：lat/lng（GCJ-02），或 "
                         "use_building=true（我关联的楼栋；没有关联时 409 no_building）。"
                         "提交前请先调用 GET /reports/nearby：附近已有同类问题时，"
                         "可改为 POST /reports/{number}/support（+1）。")
async def create_report(call: Call) -> ReportDetail:
    body: ReportCreate = call.body
    me = call.me
    # The category and the grids read once for the case and the view; the uploads it adopts
    # kept: any id that was not the reporter's unattached upload is refused once attaching
    # is done (the operation's transaction undoes the case), and the view shows the rest.
    with readonce.scope(), photos.adoptions() as adopted:
        case = await intake.submit_report(
            me, category=body.category, description=body.description,
            photo_ids=body.photo_ids, lat=body.lat, lng=body.lng, address=body.address,
            use_building=body.use_building)
        photos.refuse_unadopted(body.photo_ids, adopted)
        # submit_case remembered the category's name (render.remember_category): no reload
        return ReportDetail.of(await _new_case_view(case, adopted))


async def _new_case_view(case: Case, adopted: list[Photo]) -> queries.CaseView:
    """``queries.case_view`` of a case its reporter has just created, from what the create
    knows: nobody can have +1'd it yet, and its photos are the uploads it adopted (pinned
    equal to the view read back by tests/test_api_reports.py)."""
    shots = sorted((p for p in adopted if p.owner_kind == queries.REPORT
                    and p.owner_id == case.number and p.status in queries.SHOWN_PHOTOS),
                   key=lambda p: p.id)
    return queries.CaseView(
        case=case, role="reporter", supported=False, photos=shots, after_photos=[],
        events=render.resident_view(written) if (written := cases.written_history(case))
        else await render.public_events(case),
        actions=queries.resident_actions(case, "reporter", False),
        place=await render.place_name_of(case), holder=str(await queries.who_has(case)))


@routes.get("/reports/nearby", query=ReportNearbyQuery, response=ReportNearbyList,
            errors=(422,), summary="附近同类、仍在办理中的案件（“是不是这个？”）")
async def nearby_reports(call: Call) -> ReportNearbyList:
    query: ReportNearbyQuery = call.query
    if await get_category(query.category) is None:
        raise UnknownCategory(texts.UNKNOWN_CATEGORY.format(code=query.category))
    found = await cases.find_duplicates(query.category, query.lat, query.lng,
                                        limit=NEARBY_LIMIT)
    openid = call.me.openid
    supported = set(await queries.supported_ids(openid))
    await render.load_category_names()
    return ReportNearbyList(items=[
        ReportNearbyCard.of(case, distance_m(query.lat, query.lng, case.lat, case.lng),
                            mine=case.reporter_openid == openid, supported=case.id in supported)
        for case in found[:NEARBY_LIMIT]])


# -- my reports and one case ---------------------------------------------------------------


@routes.get("/reports/mine", query=ReportMineQuery, response=Page[ReportCard],
            summary="我的上报（最新的在前）")
async def my_reports(call: Call) -> Page[ReportCard]:
    query: ReportMineQuery = call.query
    openid = call.me.openid
    before = cursor_id(query, MAX_ID)
    rows = await queries.my_cases(openid, whose=query.role, before_id=before,
                                   limit=query.limit + 1)
    await render.load_category_names()
    items, next_cursor = page(rows, query.limit, lambda case: ReportCard.of(case, openid))
    return Page[ReportCard](items=items, next_cursor=next_cursor)


@routes.get("/reports/{number}", response=ReportDetail, summary="一个案件及其办理进度")
async def get_report(call: Call) -> ReportDetail:
    return await _detail(await _visible(call), call.me)


# -- what residents do to a case -----------------------------------------------------------


@routes.post("/reports/{number}/support", body=ReportSupportIn, response=ReportSupportOut,
             idempotent=True, errors=(409, 422), summary="+1：我也遇到了这个问题",
             description="请带上我所在的位置 lat/lng（GCJ-02，即查询 GET /reports/nearby 的位置）："
                         "只能为该位置附近（分类的合并半径内）同类、仍在办理中的案件 +1；"
                         "否则 404 unknown_case，与编号不存在时相同。已经 +1 过时仍是 200"
                         "（added=false，无需位置）。自己上报的案件 409 own_case，"
                         "我已 +1 过、已不在办理中的案件 409 wrong_state。")
async def support_report(call: Call) -> ReportSupportOut:
    me = call.me
    number = _number(call)
    body: ReportSupportIn = call.body
    await photos.check_uploads(body.photo_ids, me.openid)
    case, added = await support.support_nearby(number, me, body.lat, body.lng, body.photo_ids)
    text = texts.FORM_SUPPORTED if added else texts.FORM_ALREADY_SUPPORTED
    return ReportSupportOut(message=text.format(number=case.number), supported=True,
                            added=added, case=await _detail(case, me))


async def _answered(case: Case, me: Person, message: str) -> ReportActionOut:
    return ReportActionOut(message=message, case=await _detail(case, me))


@routes.post("/reports/{number}/confirm", body=ReportConfirmIn, response=ReportActionOut,
             idempotent=True, errors=(403, 409, 422), summary="确认办结（满意 / 不满意）",
             description="只有上报人、且案件为已办结待评价（resolved）时可以确认；"
                         "满意记 5 分、不满意记 1 分，案件完结并发放积分。")
async def confirm_report(call: Call) -> ReportActionOut:
    case = await _answerable(call)
    rating = 5 if call.body.satisfied else 1
    message = await feedback.confirm_case(case, call.me.openid, rating)
    return await _answered(case, call.me, message)


@routes.post("/reports/{number}/rate", body=ReportRateIn, response=ReportActionOut,
             idempotent=True, errors=(403, 409, 422), summary="评分 1-5 并确认办结",
             description="与确认相同，只是带 1-5 分和可选的评价。")
async def rate_report(call: Call) -> ReportActionOut:
    case = await _answerable(call)
    body: ReportRateIn = call.body
    message = await feedback.confirm_case(case, call.me.openid, body.score, body.comment)
    return await _answered(case, call.me, message)


@routes.post("/reports/{number}/reopen", body=ReportReopenIn, response=ReportActionOut,
             idempotent=True, errors=(403, 409, 422), summary="没修好：重新打开并督办",
             description="只有上报人、且案件为已办结待评价（resolved）时可以；案件重新派单，"
                         "并上报督办。")
async def reopen_report(call: Call) -> ReportActionOut:
    case = await _answerable(call)
    message = await feedback.reopen_case(case, call.me.openid, call.body.reason)
    return await _answered(case, call.me, message)
