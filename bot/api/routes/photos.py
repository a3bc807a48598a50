"""Uploading one photo (``wx.uploadFile`` sends one file per request), and looking at one."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from bot.api.errors import ApiError
from bot.api.operations import Call, Routes
from bot.api.schemas import Input
from handlers import photo_access, texts
from handlers.photos import content_of
from storage.core.models import Photo

routes = Routes("photos")


class PhotoUpload(Input):
    photo_ids: list[str] = Field(min_length=1, max_length=1)


class PhotoOut(BaseModel):
    id: str = Field(description="在创建随手拍、完成心愿等请求的 photo_ids 中使用")
    url: str = Field(description="查看这张照片：GET 它（带 Authorization）")
    content_type: str
    size: int


@routes.post("/photos", body=PhotoUpload, response=PhotoOut, status=201, idempotent=True,
             upload_into="photo_ids", upload_field="file", max_files=1, multipart_only=True,
             summary="上传一张照片（JPEG/PNG，≤10 MB），返回照片 id")
async def upload_photo(call: Call) -> PhotoOut:
    photo = await Photo.get(media_id=call.body.photo_ids[0])
    return PhotoOut(id=photo.media_id, url=f"/api/v1/photos/{photo.id}",
                    content_type=photo.content_type, size=photo.size)


@routes.get("/photos/{id}", response=None, produces=("image/jpeg", "image/png"),
            errors=(409,), summary="查看一张照片（随手拍、处理后照片、心愿及其凭证；须有权查看其所属）",
            description="用 wx.downloadFile 带上 Authorization 头下载。照片 id 见案件、心愿详情；"
                        "无权查看或不存在为 404，仍在从微信下载为 409 photo_not_ready。")
async def get_photo(call: Call) -> web.StreamResponse:
    raw = call.params["id"]
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 2 ** 63:
        raise ApiError(404, "photo_not_found", texts.PHOTO_UNKNOWN)
    photo = await photo_access.viewable(int(raw), call.me)
    content = await content_of(call.services.photos, photo)
    if content is None:
        raise ApiError(404, "photo_not_found", texts.PHOTO_UNKNOWN)
    return web.Response(body=content, headers={
        "Content-Type": photo.content_type, "Cache-Control": "private, max-age=86400",
        "X-Content-Type-Options": "nosniff"})
