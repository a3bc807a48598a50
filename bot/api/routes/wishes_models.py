"""Request and response models of the 微心愿 routes (``bot.api.routes.wishes``).

Privacy, as in chat: a beneficiary's phone, address and full name (``WishDetail.contact``)
are only ever given to the volunteer holding the wish's active claim; every other view
shows the name masked (周**) and no contact at all. No openid appears anywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from bot.api.pagination import PageQuery
from bot.api.schemas import Input, Text, iso
from handlers.masking import mask_name, mask_text
from handlers.wishes import access, texts
from storage.core.models import Person, Role, Volunteer, Wish, WishKind, WishStatus

WishKindValue = Literal["goods", "home_service", "company", "repair", "other"]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False,
                                  description="纬度（GCJ-02，微信位置）")]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False,
                                    description="经度（GCJ-02，微信位置）")]


# -- requests -----------------------------------------------------------------------------


class WishPostIn(Input):
    """许愿: the 许愿 conversation's answers in one form (JSON, or multipart with a photo)."""

    title: Text = Field(min_length=2, max_length=30, description="一句话心愿")
    details: Text = Field("", max_length=300, description="细节（可空）")
    kind: WishKindValue = Field(description="类别：生活用品、上门服务、陪伴、维修、其他")
    needed_by: date | None = Field(None, description="希望在这一天之前实现（今天起一年内）")
    address: Text = Field(min_length=4, max_length=100,
                          description="地址（社区、楼栋、门牌）；只告诉认领的志愿者")
    phone: Text = Field("", max_length=20, description="联系电话（可空）；只告诉认领的志愿者")
    lat: Latitude | None = None
    lng: Longitude | None = None
    beneficiary: Text | None = Field(None, max_length=20,
                                     description="代他人发布时受助人的姓名（仅网格员、管理员）")
    photo_ids: list[Text] = Field(default_factory=list, max_length=1,
                                  description="一张相关照片（POST /photos 返回的 id），可不传")

    @field_validator("needed_by", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if value == "":
            return None
        return date.fromisoformat(value) if isinstance(value, str) else value


class WishCompleteIn(Input):
    """完成: the proof photo (required) and a short note."""

    note: Text = Field("", max_length=100, description="完成情况说明（可空）")
    photo_ids: list[Text] = Field(min_length=1, max_length=1,
                                  description="完成凭证照片（POST /photos 返回的 id）")


class WishReasonIn(Input):
    reason: Text = Field(min_length=1, max_length=200, description="原因")


class WishApproveIn(Input):
    grid: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,32}$",
                             description="心愿所属网格（其网格员可代为确认），如 G01")


class WishWallQuery(PageQuery):
    lat: Latitude | None = None
    lng: Longitude | None = None


class WishClaimedQuery(PageQuery):
    active: bool = Field(False, description="只要进行中的认领（已认领、待确认），同公众号「我的认领」")


class VolunteerIn(Input):
    """志愿者注册 (or an update of the profile): the whole profile."""

    name: Text = Field(min_length=1, max_length=20)
    phone: Text = Field("", max_length=20, description="联系电话（可空）")
    skills: Text = Field(min_length=1, max_length=60, description="特长或能提供的帮助")
    community: Text = Field(min_length=1, max_length=20, description="所在社区，如 繁荣社区")
    party_member: bool = Field(description="是否党员")
    lat: Latitude | None = Field(None, description="位置（可空），用于推荐附近的心愿")
    lng: Longitude | None = None


# -- responses ----------------------------------------------------------------------------


class WishAction(StrEnum):
    """What the viewer may do now (each is a POST /wishes/{id}/<action>)."""

    CLAIM = "claim"
    RELEASE = "release"
    COMPLETE = "complete"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    CANCEL = "cancel"


class WishContact(BaseModel):
    """Only for the volunteer holding the active claim."""

    name: str
    address: str
    phone: str


class WishProof(BaseModel):
    note: str
    fulfilled_at: datetime | None
    photo_id: int | None = Field(description="完成凭证照片：GET /photos/{id}")


class WishCard(BaseModel):
    id: int
    number: str = Field(description="心愿编号，如 W12")
    status: WishStatus
    status_name: str
    kind: WishKind
    kind_name: str
    title: str
    details: str
    beneficiary: str = Field(description="受助人（姓名已遮挡，如 周**）")
    community: str | None
    needed_by: date | None
    distance_km: float | None = Field(None, description="离参照点的距离（心愿墙）")
    has_photo: bool
    photo_id: int | None = Field(description="心愿的照片：GET /photos/{id}")
    claim_expires_at: datetime | None = Field(description="认领时限（认领中）")
    created_at: datetime


class WishDetail(WishCard):
    on_behalf: bool = Field(description="由网格员代没有微信的居民发布")
    grid: str | None
    posted_by_me: bool
    claimed_by_me: bool = Field(description="我是认领的志愿者")
    contact: WishContact | None = Field(description="受助人联系方式：仅认领中的志愿者可见")
    proof: WishProof | None = Field(description="完成凭证说明：仅发布人、受助人、志愿者、网格员")
    reject_reason: str | None = Field(description="退回原因：仅发布人和管理员")
    points: int | None = Field(description="志愿者获得的积分（已圆满完成）")
    confirmed_at: datetime | None
    closed_at: datetime | None
    actions: list[WishAction]


class WishPendingItem(WishCard):
    """A wish waiting for review (待审心愿): no phone or address, as in chat."""

    poster_name: str
    on_behalf: bool
    grid: str | None


class VolunteerProfile(BaseModel):
    name: str
    phone: str
    skills: str
    community: str | None
    party_member: bool
    lat: float | None
    lng: float | None
    fulfilled: int = Field(description="已圆满完成的心愿数")
    created_at: datetime
    updated_at: datetime


# -- building them ------------------------------------------------------------------------


def _card_fields(wish: Wish, public: bool = False) -> dict[str, Any]:
    """``public``: the title and details masked (the wall, a viewer not involved)."""
    return {"id": wish.id, "number": wish.number, "status": wish.status,
            "status_name": texts.STATUS_NAMES[wish.status], "kind": wish.kind,
            "kind_name": texts.KIND_NAMES[wish.kind],
            "title": mask_text(wish.title) if public else wish.title,
            "details": mask_text(wish.details) if public else wish.details,
            "beneficiary": mask_name(wish.beneficiary_name),
            "community": wish.community, "needed_by": wish.needed_by,
            "has_photo": wish.photo_id is not None, "photo_id": wish.photo_id,
            "claim_expires_at": iso(wish.claim_expires_at) if wish.status is WishStatus.CLAIMED
            else None,
            "created_at": iso(wish.created_at)}


def card(wish: Wish, km: float | None = None, public: bool = False) -> WishCard:
    return WishCard(**_card_fields(wish, public),
                    distance_km=round(km, 2) if km is not None else None)


def pending_item(wish: Wish, poster_name: str) -> WishPendingItem:
    return WishPendingItem(**_card_fields(wish), poster_name=poster_name or texts.NOT_GIVEN,
                           on_behalf=wish.on_behalf, grid=wish.grid)


def actions(wish: Wish, person: Person) -> list[WishAction]:
    found = []
    mine = person.openid in (wish.poster_openid, wish.beneficiary_openid)
    if wish.status is WishStatus.OPEN and not mine:
        found.append(WishAction.CLAIM)
    if access.holds_claim(wish, person.openid):
        found += [WishAction.RELEASE, WishAction.COMPLETE]
    if wish.status is WishStatus.FULFILLED and access.may_confirm(wish, person):
        found += [WishAction.CONFIRM, WishAction.DISPUTE]
    if wish.status in (WishStatus.SUBMITTED, WishStatus.OPEN, WishStatus.CLAIMED) and (
            person.openid == wish.poster_openid or person.role is Role.ADMIN):
        found.append(WishAction.CANCEL)
    return found


def detail(wish: Wish, person: Person) -> WishDetail:
    holder = access.holds_claim(wish, person.openid)
    posted = person.openid in (wish.poster_openid, wish.beneficiary_openid)
    contact = WishContact(name=wish.beneficiary_name or texts.NOT_GIVEN, address=wish.address,
                          phone=wish.phone) if holder else None
    proof = None
    if wish.fulfilled_at is not None and access.involved(wish, person):
        proof = WishProof(note=wish.proof_note, fulfilled_at=iso(wish.fulfilled_at),
                          photo_id=wish.proof_photo_id)
    reason = wish.reject_reason if wish.status is WishStatus.REJECTED and (
        posted or person.role is Role.ADMIN) else None
    return WishDetail(
        **_card_fields(wish, public=not access.involved(wish, person)), on_behalf=wish.on_behalf, grid=wish.grid, posted_by_me=posted,
        claimed_by_me=bool(wish.claimant_openid) and wish.claimant_openid == person.openid,
        contact=contact, proof=proof, reject_reason=reason, points=wish.points,
        confirmed_at=iso(wish.confirmed_at), closed_at=iso(wish.closed_at),
        actions=actions(wish, person))


def volunteer_profile(row: Volunteer, fulfilled: int) -> VolunteerProfile:
    return VolunteerProfile(name=row.name, phone=row.phone, skills=row.skills,
                            community=row.community, party_member=row.party_member,
                            lat=row.lat, lng=row.lng, fulfilled=fulfilled,
                            created_at=iso(row.created_at), updated_at=iso(row.updated_at))
