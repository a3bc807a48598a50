"""Request and response models of the staff routes (``bot.api.routes.staff``).

No reporter or supporter identity or contact appears in any of them: staff see a case's
place, description, photos and history, as in chat (``handlers.reports.staff.queries``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.api.pagination import PageQuery
from bot.api.schemas import Input, Text, iso
from handlers.reports import render
from handlers.reports import texts as report_texts
from handlers.reports.staff import queries as staff_queries
from handlers.reports.staff.queries import CaseFile, Entry
from storage.core.models import Photo, PhotoStatus
from storage.reports.models import Case, CaseStatus


class StaffAction(StrEnum):
    """What staff may do to a case (each is a POST /staff/cases/{number}/<action>)."""

    ACCEPT = "accept"
    START = "start"
    RESOLVE = "resolve"
    REJECT = "reject"
    TRANSFER = "transfer"
    ACKNOWLEDGE = "acknowledge"


OpenStatus = Literal["submitted", "dispatched", "accepted", "in_progress", "reviewing", "reopened"]
Responsible = Literal["grid", "property", "department"]
DueStep = Literal["accept", "resolve"]


class StaffQueueQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")

    status: OpenStatus | None = Field(None, description="只看这个状态的案件（待办都是未办结的）")
    scope: Literal["mine", "grid"] = Field(
        "mine", description="mine：我的待办；grid：管理员查看所辖社区的全部未办结案件")
    grid: Text | None = Field(None, min_length=1, max_length=32,
                             description="只看这个网格的案件（如 G01）")


class StaffCaseItem(BaseModel):
    number: str = Field(description="案件编号，如 A1001")
    status: CaseStatus
    status_name: str = Field(description="状态的中文名")
    category: str = Field(description="问题分类代码")
    category_name: str
    address: str
    grid: str | None
    responsible: Responsible = Field(description="负责方：网格员、物业或职能部门")
    assigned_to_me: bool
    overdue: bool = Field(description="已超时（已被督办）")
    due_step: DueStep = Field(description="当前时限：受理（accept）或办结（resolve）")
    due_at: datetime | None = Field(description="当前这一步的时限")
    accept_due_at: datetime | None
    resolve_due_at: datetime | None
    supporters_count: int = Field(description="+1 的居民人数")
    created_at: datetime

    @classmethod
    def of(cls, case: Case, me: str) -> StaffCaseItem:
        _, due = staff_queries.due_of(case)
        step: DueStep = "accept" if case.status in staff_queries.WAITING else "resolve"
        return cls(number=case.number, status=CaseStatus(case.status),
                   status_name=render.status_name(case), category=case.category_code,
                   category_name=render.category_name(case.category_code),
                   address=case.address, grid=case.grid_code,
                   responsible=_responsible(case), assigned_to_me=case.assignee_openid == me,
                   overdue=case.overdue, due_step=step, due_at=iso(due),
                   accept_due_at=iso(case.accept_due_at),
                   resolve_due_at=iso(case.resolve_due_at),
                   supporters_count=case.supporters_count, created_at=iso(case.created_at))


def _responsible(case: Case) -> Responsible:
    value = case.responsible
    if value == "property" or value == "department":
        return value
    return "grid"


class StaffCasePhoto(BaseModel):
    id: int
    url: str | None = Field(description="照片地址（GET /api/v1/photos/{id}）；正在保存时为 null")
    stored: bool = Field(description="false：照片还在保存中")

    @classmethod
    def of(cls, photo: Photo) -> StaffCasePhoto:
        stored = photo.status is PhotoStatus.STORED and bool(photo.path)
        return cls(id=photo.id, url=f"/api/v1/photos/{photo.id}" if stored else None,
                   stored=stored)


class StaffCaseEvent(BaseModel):
    at: datetime
    action: str = Field(description="submit、dispatch、accept、resolve、escalate……")
    action_name: str = Field(description="动作的中文名")
    from_status: CaseStatus | None
    to_status: CaseStatus | None
    note: str
    by: str = Field(description="谁做的：工作人员（角色和姓名）、居民或系统")

    @classmethod
    def of(cls, entry: Entry) -> StaffCaseEvent:
        event = entry.event
        return cls(at=iso(event.at), action=event.action,
                   action_name=report_texts.ACTION_NAMES.get(event.action, event.action),
                   from_status=_status(event.from_status), to_status=_status(event.to_status),
                   note=event.note, by=entry.by)


_STATUSES = frozenset(s.value for s in CaseStatus)


def _status(value: str | None) -> CaseStatus | None:
    return CaseStatus(value) if value in _STATUSES else None


class StaffCaseDetail(StaffCaseItem):
    description: str
    place: str = Field(description="位置的名称：最近的楼栋或小区、街道、社区和网格")
    lat: float | None
    lng: float | None
    building: str | None
    community: str | None
    compound: str | None
    responsible_name: str = Field(description="负责方的中文名")
    assignee: str | None = Field(description="当前负责的工作人员（角色和姓名）")
    department: str | None
    property_org: str | None
    property_acknowledged_at: datetime | None = Field(description="物业报到的时间")
    escalation_level: int = Field(description="被督办的次数")
    confirm_due_at: datetime | None = Field(description="办结后居民评价的期限（逾期自动确认）")
    dispatched_at: datetime | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    rating: int | None = Field(description="居民评价 1-5")
    reopen_count: int
    referral: str = Field(description="驳回时告知居民应找的单位")
    merged_into: str | None
    photos: list[StaffCasePhoto] = Field(description="居民上报的照片")
    after_photos: list[StaffCasePhoto] = Field(description="办结时的处理后照片")
    actions: list[StaffAction] = Field(description="当前状态下我可以进行的操作")
    timeline: list[StaffCaseEvent] = Field(description="办理进度，最早的在前")

    @classmethod
    def of_file(cls, file: CaseFile, me: str) -> StaffCaseDetail:
        case = file.case
        item = StaffCaseItem.of(case, me)
        return cls(
            **item.model_dump(), description=case.description, place=file.place,
            lat=case.lat, lng=case.lng,
            building=case.building_code, community=case.community_code,
            compound=case.compound_code,
            responsible_name=report_texts.RESPONSIBLE_NAMES.get(case.responsible, case.responsible),
            assignee=file.assignee, department=case.department, property_org=case.property_org,
            property_acknowledged_at=iso(case.property_acknowledged_at),
            escalation_level=case.escalation_level, confirm_due_at=iso(case.confirm_due_at),
            dispatched_at=iso(case.dispatched_at), accepted_at=iso(case.accepted_at),
            resolved_at=iso(case.resolved_at), closed_at=iso(case.closed_at),
            rating=case.rating, reopen_count=case.reopen_count, referral=case.referral,
            merged_into=case.merged_into,
            photos=[StaffCasePhoto.of(p) for p in file.photos],
            after_photos=[StaffCasePhoto.of(p) for p in file.after_photos],
            actions=[StaffAction(a) for a in file.actions],
            timeline=[StaffCaseEvent.of(e) for e in file.history])


class StaffActionOut(BaseModel):
    message: str = Field(description="操作结果的中文说明（与公众号里的回复相同）")
    case: StaffCaseDetail


class StaffResolveIn(Input):
    photo_ids: list[Text] = Field(min_length=1, max_length=1,
                                 description="处理后的现场照片（POST /photos 返回的 id），必须一张")
    note: Text = Field("", max_length=200, description="办结说明（可选），会告知居民")


class StaffRejectIn(Input):
    reason: Text = Field(min_length=1, max_length=200,
                        description="驳回原因和应找的单位，会告知居民")


class StaffTransferIn(Input):
    to: Literal["property", "department"] = Field(
        description="property：转给小区物业；department：转给分类对应的职能部门（吹哨）")
