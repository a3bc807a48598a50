"""/api/v1 微心愿: posting, the wall, claiming and fulfilling, confirming, moderation, and
the volunteer profile - the same ``handlers.wishes`` functions the chat's 许愿, 心愿墙,
认领/放弃/完成/确认心愿/未完成/取消心愿, 待审心愿/通过/退回 and 志愿者注册 call.

Who sees what (``handlers.wishes.access``): an approved wish (open, claimed, fulfilled,
confirmed, closed) anyone signed in may look at; a submitted, rejected or cancelled one only
its poster, beneficiary, claimant, the grid worker who may confirm it and admins - anyone
else gets 404 ``unknown_wish``, as for a wish that does not exist. The beneficiary's phone,
address and full name go only to the volunteer holding the active claim (``contact``).
Who may do what is the chat's rule, refused with its words: claiming needs a volunteer
profile (403 ``not_volunteer``) and not one's own wish (403 ``not_allowed``), at most three
active claims (409 ``wrong_state``), exactly one of concurrent claimers wins (the others
409); releasing and completing only the claimant; confirming or disputing the poster, the
beneficiary or a grid worker of the wish's grid; cancelling the poster or an admin.

The wall (``GET /wishes``) is the chat's ``handlers.wishes.queries.wall_page``: ordered by
(own community first, distance, needed-by date, id) from a reference point - ``?lat=&lng=``,
else the volunteer's own location - over the first 500 open wishes by id. The cursor is keyset
on that whole key: it holds the last item's key (distance rounded to the millimetre) together
with the reference point and the community (as a hash) the first page used, so later pages
keep the first page's order whatever ``lat``/``lng`` they send; wishes claimed meanwhile
simply drop out and nothing is repeated.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from bot.api import texts as api_texts
from bot.api.errors import ApiError
from bot.api.operations import ADMIN, Call, Routes
from bot.api.pagination import Page, PageQuery, cursor_id, decode_cursor, encode_cursor, page
from bot.api.routes.wishes_models import (
    VolunteerIn,
    VolunteerProfile,
    WishApproveIn,
    WishCard,
    WishClaimedQuery,
    WishCompleteIn,
    WishDetail,
    WishPendingItem,
    WishPostIn,
    WishReasonIn,
    WishWallQuery,
    card,
    detail,
    pending_item,
    volunteer_profile,
)
from handlers import photos
from handlers.wishes import queries, texts
from handlers.wishes.errors import BadInput
from handlers.wishes.parse import wish_number
from handlers.wishes.queries import Point, WallKey
from handlers.wishes.service import claims, posting, volunteers
from storage.core.models import Person, Volunteer, Wish, WishKind, WishStatus

routes = Routes("wishes")

WishPage = Page[WishCard]
WishPendingPage = Page[WishPendingItem]
MAX_ID = 2**31 - 1
CLAIMED_STATUSES = (WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CONFIRMED,
                    WishStatus.CLOSED)


def _bad_cursor() -> ApiError:
    return ApiError(400, "bad_cursor", api_texts.BAD_CURSOR)


def _wish_id(call: Call) -> int:
    """The wish a path names (``12`` or ``W12``); 404 for anything else."""
    number = wish_number(call.params.get("id", ""))
    if number is None or number > MAX_ID:
        raise ApiError(404, "unknown_wish", api_texts.UNKNOWN_WISH)
    return number


def _after_id(query: PageQuery) -> int | None:
    value = cursor_id(query)
    if value is not None and not 0 < value <= MAX_ID:
        raise _bad_cursor()
    return value


async def _detail(wish_id: int, person: Person) -> WishDetail:
    return detail(await queries.get(wish_id), person)


# -- the wall -----------------------------------------------------------------------------


def _tag(community: str) -> str:
    return hashlib.sha256(community.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class WallCursor:
    """The next page: after the last wish's key, from the first page's point and community."""

    after: WallKey | None
    near: Point | None
    community_tag: str | None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _wall_cursor(query: WishWallQuery) -> WallCursor | None:
    value = decode_cursor(query.cursor)
    if value is None:
        return None
    try:
        after = queries.key_from(value["k"])
        origin, tag = value["o"], value["c"]
        if not ((tag is None or isinstance(tag, str))
                and (origin is None or (len(origin) == 2 and all(map(_number, origin))))):
            raise TypeError
    except (TypeError, ValueError, KeyError):
        raise _bad_cursor() from None
    point = (float(origin[0]), float(origin[1])) if origin is not None else None
    return WallCursor(after, point, tag)


def _encode_wall(after: WallKey, cursor: WallCursor) -> str:
    return encode_cursor({"k": queries.key_values(after),
                          "o": list(cursor.near) if cursor.near else None,
                          "c": cursor.community_tag})


async def _community(tag: str | None) -> str | None:
    """The community whose tag the cursor holds, among those open wishes name."""
    if not tag:
        return None
    return next((c for c in await queries.open_communities() if _tag(c) == tag), None)


@routes.get("/wishes", query=WishWallQuery, response=WishPage,
            summary="心愿墙：待认领的心愿，本社区在前，然后由近到远",
            description="与公众号「心愿墙」相同的顺序：志愿者本社区的心愿在前，然后按离参照点"
                        "（lat/lng，不传则用志愿者登记的位置）的距离，再按期望日期、编号。"
                        "列表不含受助人的电话、地址和全名。游标包含第一页的参照点，翻页时保持"
                        "同一顺序。")
async def wish_wall(call: Call) -> WishPage:
    query: WishWallQuery = call.query
    if (query.lat is None) != (query.lng is None):
        raise ApiError(400, "invalid_request", api_texts.LAT_LNG_PAIR)
    cursor = _wall_cursor(query)
    if cursor is None:  # the first page fixes the reference point and the community
        volunteer_row = await Volunteer.get_or_none(openid=call.me.openid)
        point = ((query.lat, query.lng) if query.lat is not None and query.lng is not None
                 else queries.origin(volunteer_row))
        community = volunteer_row.community if volunteer_row else None
        cursor = WallCursor(None, (round(point[0], 6), round(point[1], 6)) if point else None,
                            _tag(community) if community else None)
    else:
        community = await _community(cursor.community_tag)
    found = await queries.wall_page(cursor.near, community, after=cursor.after,
                                    limit=query.limit)
    return WishPage(items=[card(w, km, public=True) for w, km in found.items],
                    next_cursor=_encode_wall(found.after, cursor) if found.after else None)


# -- mine, claimed, one wish --------------------------------------------------------------


@routes.get("/wishes/mine", query=PageQuery, response=WishPage,
            summary="我发布的心愿（以及为我发布的），新的在前")
async def my_wishes(call: Call) -> WishPage:
    query: PageQuery = call.query
    rows = queries.posted_by(call.me.openid)
    if (after := _after_id(query)) is not None:
        rows = rows.filter(id__lt=after)
    items, cursor = page(await rows.order_by("-id").limit(query.limit + 1), query.limit, card)
    return WishPage(items=items, next_cursor=cursor)


@routes.get("/wishes/claimed", query=WishClaimedQuery, response=WishPage,
            summary="我的认领：我认领过的心愿，新的在前",
            description="active=true 时只列进行中的（已认领、待确认），与公众号「我的认领」相同。"
                        "列表不含联系方式，请用 GET /wishes/{id} 查看。")
async def my_claims(call: Call) -> WishPage:
    query: WishClaimedQuery = call.query
    statuses = queries.ACTIVE_CLAIMS if query.active else CLAIMED_STATUSES
    rows = queries.claims_of(call.me.openid, statuses)
    if (after := _after_id(query)) is not None:
        rows = rows.filter(id__lt=after)
    items, cursor = page(await rows.order_by("-id").limit(query.limit + 1), query.limit, card)
    return WishPage(items=items, next_cursor=cursor)


@routes.get("/wishes/{id}", response=WishDetail, summary="查看心愿",
            description="受助人的电话、地址和全名（contact）只给认领中的志愿者。")
async def wish_detail(call: Call) -> WishDetail:
    wish = await queries.visible(_wish_id(call), call.me)
    return detail(wish, call.me)


# -- posting ------------------------------------------------------------------------------


@routes.post("/wishes", body=WishPostIn, response=WishDetail, status=201, idempotent=True,
             upload_into="photo_ids", max_files=1, errors=(403, 422),
             summary="许愿：发布一个微心愿（提交后由社区审核）",
             description="网格员、管理员可填 beneficiary 代没有微信的居民发布（心愿归其网格）。"
                         "照片可随表单上传（photos 字段），或先 POST /photos 再传 photo_ids。")
async def post_wish(call: Call) -> WishDetail:
    body: WishPostIn = call.body
    me = call.me
    await photos.check_uploads(body.photo_ids, me.openid)
    draft = posting.draft(
        me, title=body.title, kind=WishKind(body.kind), details=body.details,
        needed_by=body.needed_by, address=body.address, phone_number=body.phone,
        lat=body.lat, lng=body.lng, media_id=body.photo_ids[0] if body.photo_ids else None,
        beneficiary=body.beneficiary)
    wish = await posting.post(draft, me)
    return detail(wish, me)


# -- claims -------------------------------------------------------------------------------


@routes.post("/wishes/{id}/claim", response=WishDetail, idempotent=True, errors=(403, 409),
             summary="认领心愿（需先注册志愿者；72 小时内完成；最多 3 个进行中）")
async def claim_wish(call: Call) -> WishDetail:
    wish = await queries.visible(_wish_id(call), call.me)
    wish = await claims.claim(wish.id, call.me.openid)
    return detail(wish, call.me)


@routes.post("/wishes/{id}/release", response=WishDetail, idempotent=True, errors=(403, 409),
             summary="放弃认领：心愿回到心愿墙")
async def release_wish(call: Call) -> WishDetail:
    wish = await queries.visible(_wish_id(call), call.me)
    wish = await claims.release(wish.id, call.me.openid)
    return detail(wish, call.me)


@routes.post("/wishes/{id}/complete", body=WishCompleteIn, response=WishDetail,
             idempotent=True, upload_into="photo_ids", max_files=1, errors=(403, 409, 422),
             summary="完成心愿：上传完成凭证照片（必需）和说明，等待受助方确认")
async def complete_wish(call: Call) -> WishDetail:
    body: WishCompleteIn = call.body
    wish = await queries.visible(_wish_id(call), call.me)
    await claims.held_by(wish.id, call.me.openid)  # the claim first, as the chat asks
    await photos.check_uploads(body.photo_ids, call.me.openid)
    wish = await claims.complete(wish.id, call.me.openid, body.photo_ids[0], body.note.strip())
    return detail(wish, call.me)


@routes.post("/wishes/{id}/confirm", response=WishDetail, idempotent=True, errors=(403, 409),
             summary="确认心愿已实现（受助人、发布人或心愿所在网格的网格员）",
             description="确认后志愿者获得积分（每个心愿一次），心愿圆满完成。")
async def confirm_wish(call: Call) -> WishDetail:
    wish = await queries.visible(_wish_id(call), call.me)
    wish = await claims.confirm(wish.id, call.me)
    return await _detail(wish.id, call.me)


@routes.post("/wishes/{id}/dispute", body=WishReasonIn, response=WishDetail, idempotent=True,
             errors=(403, 409, 422), summary="未完成：退回给志愿者（附原因），认领时限重新计算")
async def dispute_wish(call: Call) -> WishDetail:
    body: WishReasonIn = call.body
    wish = await queries.visible(_wish_id(call), call.me)
    reason = body.reason.strip()
    if not reason:
        raise BadInput(texts.NEED_REASON.format(keyword="未完成", number=wish.number))
    wish = await claims.dispute(wish.id, call.me, reason[:200])
    return detail(wish, call.me)


@routes.post("/wishes/{id}/cancel", response=WishDetail, idempotent=True, errors=(403, 409),
             summary="撤销心愿（发布人或管理员；已完成的不能撤销）")
async def cancel_wish(call: Call) -> WishDetail:
    wish = await queries.visible(_wish_id(call), call.me)
    wish = await posting.cancel(wish.id, call.me)
    return detail(wish, call.me)


# -- moderation ---------------------------------------------------------------------------


@routes.get("/admin/wishes/pending", query=PageQuery, response=WishPendingPage, roles=ADMIN,
            summary="待审心愿（先提交的在前）；不含电话和地址")
async def pending_wishes(call: Call) -> WishPendingPage:
    query: PageQuery = call.query
    rows = queries.awaiting_review()
    if (after := _after_id(query)) is not None:
        rows = rows.filter(id__gt=after)
    found: list[Wish] = await rows.order_by("id").limit(query.limit + 1)
    names = await queries.poster_names(found)
    items, cursor = page(found, query.limit,
                         lambda w: pending_item(w, names.get(w.poster_openid, "")))
    return WishPendingPage(items=items, next_cursor=cursor)


@routes.post("/admin/wishes/{id}/approve", body=WishApproveIn, response=WishDetail,
             roles=ADMIN, idempotent=True, errors=(409,),
             summary="通过心愿：它出现在心愿墙上（可指定网格）")
async def approve_wish(call: Call) -> WishDetail:
    body: WishApproveIn = call.body
    wish = await posting.approve(_wish_id(call), call.me.openid, grid=body.grid or None)
    return detail(wish, call.me)


@routes.post("/admin/wishes/{id}/reject", body=WishReasonIn, response=WishDetail, roles=ADMIN,
             idempotent=True, errors=(409, 422), summary="退回心愿（附原因，告知发布人）")
async def reject_wish(call: Call) -> WishDetail:
    body: WishReasonIn = call.body
    wish = await posting.reject(_wish_id(call), call.me.openid, body.reason)
    return detail(wish, call.me)


# -- the volunteer profile ----------------------------------------------------------------


@routes.get("/volunteer", response=VolunteerProfile, errors=(404,),
            summary="我的志愿者信息（未注册为 404）")
async def my_volunteer_profile(call: Call) -> VolunteerProfile:
    row = await Volunteer.get_or_none(openid=call.me.openid)
    if row is None:
        raise ApiError(404, "not_registered", texts.NOT_VOLUNTEER)
    return volunteer_profile(row, await queries.fulfilled_by(call.me.openid))


@routes.put("/volunteer", body=VolunteerIn, response=VolunteerProfile, idempotent=True,
            summary="志愿者注册，或更新志愿者信息（整份提交）",
            description="居民注册后成为志愿者；工作人员保留原角色并获得志愿者信息。")
async def put_volunteer_profile(call: Call) -> VolunteerProfile:
    body: VolunteerIn = call.body
    answers = volunteers.profile(name=body.name, phone_number=body.phone, skills=body.skills,
                                community=body.community, party_member=body.party_member,
                                lat=body.lat, lng=body.lng)
    row, _ = await volunteers.register(call.me, answers)
    return volunteer_profile(row, await queries.fulfilled_by(call.me.openid))
