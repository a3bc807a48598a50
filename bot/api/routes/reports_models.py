"""Request and response models of the resident-facing 随手拍 routes (``bot.api.routes.reports``).

No reporter identity appears in any of them (no openid, name or phone): a supporter or a
neighbour sees the case's place, description, status and history, as in chat - the public
view (``handlers.masking``: phone, ID and plate numbers, house and room numbers, names
masked; the address down to the building or road), while the reporter and staff who may act
read the full text. Photos are given as ids and counts only.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.api.pagination import PageQuery
from bot.api.schemas import Input, Text, iso
from handlers import masking
from handlers.categories.suggest import CategorySuggestion
from handlers.reports import render
from handlers.reports import texts as report_texts
from handlers.reports.queries import CaseView
from storage.geo.models import Category
from storage.reports.models import OPEN_STATUSES, Case, CaseEvent, CaseStatus

MAX_PHOTOS = 3


PhotoId = Annotated[str, Field(min_length=1, max_length=160, pattern=r"^[A-Za-z0-9_\-]+$")]
CategoryCode = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$",
                                    description="分类代码（GET /categories）")]


class ReportAction(StrEnum):
    """What the viewer may do to a case now (each is a POST /reports/{number}/<action>)."""

    CONFIRM = "confirm"
    RATE = "rate"
    REOPEN = "reopen"
    SUPPORT = "support"


ReportResponsible = Literal["grid", "property", "department"]
ReportViewerRole = Literal["reporter", "supporter", "staff"]
ReportMineRole = Literal["reporter", "supporter"]

_STATUSES = frozenset(s.value for s in CaseStatus)


def _status(value: str | None) -> CaseStatus | None:
    return CaseStatus(value) if value in _STATUSES else None


def _overdue(case: Case) -> bool:
    return case.overdue and case.status in OPEN_STATUSES


def _responsible(value: str) -> ReportResponsible:
    if value == "property" or value == "department":
        return value
    return "grid"


# -- categories ---------------------------------------------------------------------------


class ReportCategory(BaseModel):
    code: str = Field(description="分类代码，创建随手拍时使用")
    name: str
    responsible: ReportResponsible = Field(description="负责方：网格员、物业或职能部门")
    responsible_name: str = Field(description="负责方的中文名")
    department: str | None = Field(description="负责的职能部门（如有）")
    description: str

    @classmethod
    def of(cls, category: Category) -> ReportCategory:
        responsible = _responsible(category.responsible.value)
        return cls(code=category.code, name=category.name, responsible=responsible,
                   responsible_name=report_texts.RESPONSIBLE_NAMES.get(responsible, responsible),
                   department=category.department, description=category.description)


class ReportCategoryList(BaseModel):
    items: list[ReportCategory] = Field(description="启用的分类，按展示顺序")


class ReportSuggestQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text = Field(min_length=1, max_length=300, description="问题描述")


class ReportCategorySuggestion(BaseModel):
    category: ReportCategory
    score: float = Field(description="匹配得分；兜底的“其他”为 0")
    words: list[str] = Field(description="命中的关键词")

    @classmethod
    def of(cls, found: CategorySuggestion) -> ReportCategorySuggestion:
        return cls(category=ReportCategory.of(found.category), score=found.score,
                   words=list(found.words))


class ReportCategorySuggestions(BaseModel):
    items: list[ReportCategorySuggestion] = Field(description="建议的分类，最合适的在前")


# -- creating, and the duplicates nearby ---------------------------------------------------


class ReportCreate(Input):
    photo_ids: list[PhotoId] = Field(min_length=1, max_length=MAX_PHOTOS,
                                     description="问题照片 1-3 张（POST /photos 返回的 id）")
    category: CategoryCode
    description: Text = Field("", max_length=300, description="问题描述，300 字以内，可不填")
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False,
                              description="纬度（GCJ-02，wx.getLocation 的 gcj02）")
    lng: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False,
                              description="经度（GCJ-02）")
    use_building: bool = Field(False, description="true：问题就在我关联的楼栋（本楼），不传 lat/lng")
    address: Text = Field("", max_length=255, description="地点的文字说明（可选）")


class ReportNearbyQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: CategoryCode
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="纬度（GCJ-02）")
    lng: float = Field(ge=-180, le=180, allow_inf_nan=False, description="经度（GCJ-02）")


class ReportNearbyCard(BaseModel):
    number: str = Field(description="案件编号，如 A1001")
    status: CaseStatus
    status_name: str
    category: str
    category_name: str
    description: str
    address: str
    lat: float | None
    lng: float | None
    distance_m: int = Field(description="与所给位置的距离（米）")
    supporters_count: int = Field(description="+1 的居民人数")
    created_at: datetime
    mine: bool = Field(description="是我自己上报的（不能 +1）")
    supported: bool = Field(description="我已经 +1 过")

    @classmethod
    def of(cls, case: Case, distance: float, *, mine: bool, supported: bool
           ) -> ReportNearbyCard:
        return cls(number=case.number, status=CaseStatus(case.status),
                   status_name=render.status_name(case), category=case.category_code,
                   category_name=render.category_name(case.category_code),
                   description=render.public_description(case),
                   address=masking.coarse_address(case.address), lat=case.lat,
                   lng=case.lng, distance_m=round(distance),
                   supporters_count=case.supporters_count, created_at=iso(case.created_at),
                   mine=mine, supported=supported)


class ReportNearbyList(BaseModel):
    items: list[ReportNearbyCard] = Field(
        description="附近同类、仍在办理中的案件，最近的在前；可改为 +1 而不新建")


# -- my reports ----------------------------------------------------------------------------


class ReportMineQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")

    role: Literal["reported", "supported", "all"] = Field(
        "reported", description="reported：我上报的；supported：我 +1 的；all：两者")


class ReportCard(BaseModel):
    number: str = Field(description="案件编号，如 A1001")
    status: CaseStatus
    status_name: str = Field(description="状态的中文名")
    overdue: bool = Field(description="已超时（已被督办）")
    category: str
    category_name: str
    description: str
    address: str
    supporters_count: int
    created_at: datetime
    role: ReportMineRole = Field(description="reporter：我上报的；supporter：我 +1 的")

    @classmethod
    def of(cls, case: Case, openid: str) -> ReportCard:
        mine = case.reporter_openid == openid
        return cls(number=case.number, status=CaseStatus(case.status),
                   status_name=render.status_name(case), overdue=_overdue(case),
                   category=case.category_code,
                   category_name=render.category_name(case.category_code),
                   description=case.description if mine else render.public_description(case),
                   address=case.address if mine else masking.coarse_address(case.address),
                   supporters_count=case.supporters_count, created_at=iso(case.created_at),
                   role="reporter" if mine else "supporter")


# -- one case ------------------------------------------------------------------------------


class ReportEvent(BaseModel):
    at: datetime
    action: str = Field(description="submit、dispatch、accept、resolve、confirm、reopen……")
    action_name: str = Field(description="动作的中文名")
    status: CaseStatus | None = Field(description="这一步之后的状态")
    note: str = Field(description="说明（如驳回原因、办结说明、评分）")

    @classmethod
    def of(cls, event: CaseEvent, public: bool = False) -> ReportEvent:
        return cls(at=iso(event.at), action=event.action,
                   action_name=report_texts.ACTION_NAMES.get(event.action, event.action),
                   status=_status(event.to_status),
                   note=masking.mask_text(event.note) if public else event.note)


class ReportDetail(BaseModel):
    number: str = Field(description="案件编号，如 A1001")
    status: CaseStatus
    status_name: str = Field(description="状态的中文名")
    overdue: bool = Field(description="已超时（已被督办）")
    category: str
    category_name: str
    description: str
    address: str
    place: str = Field(description="位置的名称：最近的楼栋或小区、街道、社区和网格（只有经纬度时代替地址）")
    lat: float | None = Field(description="纬度（GCJ-02）")
    lng: float | None = Field(description="经度（GCJ-02）")
    building: str | None = Field(description="楼栋代码（本楼上报时）")
    grid: str | None = Field(description="所在网格")
    responsible: ReportResponsible = Field(description="负责方：网格员、物业或职能部门")
    responsible_name: str
    holder: str = Field(description="当前由谁办理：角色和姓名（如“网格员 王梦苏”）；+1 的居民只看到单位")
    supporters_count: int = Field(description="+1 的居民人数")
    rating: int | None = Field(description="上报人的评分 1-5")
    auto_confirmed: bool = Field(description="72 小时未评价，已自动确认")
    reopen_count: int = Field(description="因“没修好”重办的次数")
    referral: str = Field(description="驳回时告知应找的单位")
    merged_into: str | None = Field(description="合并到的案件编号")
    created_at: datetime
    dispatched_at: datetime | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    confirm_due_at: datetime | None = Field(
        description="办结后等待上报人确认的期限，逾期自动确认办结")
    closed_at: datetime | None
    photo_ids: list[int] = Field(description="上报的照片（编号）")
    photo_count: int
    after_photo_ids: list[int] = Field(description="办结时的处理后照片（编号）")
    after_photo_count: int
    my_role: ReportViewerRole = Field(
        description="reporter：我上报的；supporter：我 +1 的；staff：我可以处理的")
    supported: bool = Field(description="我已经 +1 过")
    actions: list[ReportAction] = Field(description="我现在可以进行的操作")
    timeline: list[ReportEvent] = Field(description="办理进度，最早的在前")

    @classmethod
    def of(cls, view: CaseView) -> ReportDetail:
        case, public = view.case, view.public
        responsible = _responsible(case.responsible)
        return cls(
            number=case.number, status=CaseStatus(case.status),
            status_name=render.status_name(case), overdue=_overdue(case),
            category=case.category_code, category_name=render.category_name(case.category_code),
            description=render.public_description(case) if public else case.description,
            address=masking.coarse_address(case.address) if public else case.address,
            place=masking.coarse_address(view.place) if public else view.place,
            lat=case.lat, lng=case.lng, building=case.building_code, grid=case.grid_code, responsible=responsible,
            responsible_name=report_texts.RESPONSIBLE_NAMES.get(responsible, responsible),
            holder=view.holder,
            supporters_count=case.supporters_count, rating=case.rating,
            auto_confirmed=case.auto_confirmed, reopen_count=case.reopen_count,
            referral=masking.mask_text(case.referral) if public else case.referral,
            merged_into=case.merged_into,
            created_at=iso(case.created_at), dispatched_at=iso(case.dispatched_at),
            accepted_at=iso(case.accepted_at), resolved_at=iso(case.resolved_at),
            confirm_due_at=iso(case.confirm_due_at), closed_at=iso(case.closed_at),
            photo_ids=[p.id for p in view.photos], photo_count=len(view.photos),
            after_photo_ids=[p.id for p in view.after_photos],
            after_photo_count=len(view.after_photos), my_role=view.role,
            supported=view.supported, actions=[ReportAction(a) for a in view.actions],
            timeline=[ReportEvent.of(e, public) for e in view.events])


# -- what residents do to a case -----------------------------------------------------------


class ReportSupportIn(Input):
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False,
                              description="我所在位置的纬度（GCJ-02）：案件须在它的合并半径内")
    lng: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False,
                              description="我所在位置的经度（GCJ-02）")
    photo_ids: list[PhotoId] = Field(
        default_factory=list, max_length=MAX_PHOTOS,
        description="我拍的同一问题的照片（可选，POST /photos 返回的 id）")


class ReportConfirmIn(Input):
    satisfied: bool = Field(True, description="true：满意（5 分）；false：不满意（1 分）")


class ReportRateIn(Input):
    score: int = Field(ge=1, le=5, description="评分 1-5")
    comment: Text = Field("", max_length=200, description="评价（可选）")


class ReportReopenIn(Input):
    reason: Text = Field("", max_length=200, description="哪里没修好（可选）")


class ReportActionOut(BaseModel):
    message: str = Field(description="操作结果的中文说明（与公众号里的回复相同）")
    case: ReportDetail


class ReportSupportOut(BaseModel):
    message: str = Field(description="操作结果的中文说明")
    supported: bool = Field(description="总是 true：我已为这个案件 +1")
    added: bool = Field(description="false：之前已经 +1 过，这次没有变化")
    case: ReportDetail
