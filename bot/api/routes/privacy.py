"""Residents' data rights in the mini-program (issue 16): the privacy notice.

``GET /api/v1/privacy`` is public (read before signing in): the same text chat shows once
and on 隐私 (``handlers.privacy.notice``), and the retention periods it names, which are
the settings the daily retention sweep enforces.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from bot.api.operations import Call, Routes
from handlers.context import Retention
from handlers.privacy import notice

routes = Routes("privacy")


class RetentionPeriods(BaseModel):
    wish_contact_days: int = Field(description="心愿结束后地址和电话保留的天数")
    wish_photo_days: int = Field(description="心愿结束后照片保留的天数")
    case_location_days: int = Field(description="问题办结后精确位置保留的天数（之后约100米）")
    processed_message_days: int = Field(description="消息处理记录保留的天数")
    draft_hours: int = Field(description="未提交草稿最多保留的小时数")

    @classmethod
    def of(cls, retention: Retention) -> RetentionPeriods:
        return cls(**vars(retention))


class PrivacyNotice(BaseModel):
    text: str = Field(description="个人信息说明（与聊天中「隐私」相同）")
    retention: RetentionPeriods


@routes.get("/privacy", public=True, response=PrivacyNotice,
            summary="个人信息说明：保存什么、谁能看到、保存多久、如何删除")
async def privacy_notice(call: Call) -> PrivacyNotice:
    retention = call.services.retention
    return PrivacyNotice(text=notice.text(retention), retention=RetentionPeriods.of(retention))
