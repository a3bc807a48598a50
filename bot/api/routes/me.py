"""我的数据 and 注销 in the mini-program (issue 16): the same use cases as the chat's
(``handlers.privacy``). ``GET /me/export`` answers everything linli holds about the caller;
``DELETE /me`` erases it (the mini-program asks for the confirmation) and ends the
caller's sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from bot.api.operations import Call, Reply, Routes
from handlers.privacy import queries, service

routes = Routes("privacy")
NO_STORE = {"Cache-Control": "no-store, private, max-age=0", "Pragma": "no-cache"}


class MyDataOut(BaseModel):
    openid: str
    exported_at: datetime
    sections: dict[str, list[dict[str, Any]]] = Field(
        description="每类数据的全部记录（个人资料、心愿、随手拍、积分、推送……），键见 README「Your data」")
    redis: dict[str, Any] = Field(description="进行中的对话、最后一条消息的时间、登录会话的开始时间")


class ErasedOut(BaseModel):
    erased: bool = Field(description="false：没有可删除的数据（例如已经注销过）")
    released: list[str] = Field(description="被放弃的认领（心愿编号）")
    cancelled: list[str] = Field(description="被取消的心愿（编号）")


@routes.get("/me/export", response=MyDataOut,
            summary="我的数据：导出邻里保存的关于我的全部数据（JSON）",
            description="与聊天中「我的数据」的下载内容相同。响应不可缓存。")
async def me_export(call: Call) -> Reply:
    found = await queries.export(call.me.openid, call.kv)
    return Reply(MyDataOut(**found.as_json()), headers=NO_STORE)


@routes.delete("/me", response=ErasedOut,
               summary="注销：删除我的个人信息",
               description="与聊天中「注销」→「确认注销」相同：姓名、电话、地址、心愿照片、志愿者登记"
                           "和会话删除；进行中的心愿取消、认领放弃；问题只保留公开描述；积分记录"
                           "以匿名账户保留。重复调用无害。")
async def me_erase(call: Call) -> ErasedOut:
    done = await service.erase(call.me.openid, call.kv, media=call.services.photos.media,
                               keep_staff_history=call.services.keep_staff_history)
    return ErasedOut(erased=done.pseudonym is not None, released=done.released,
                     cancelled=done.cancelled)
