"""Uploading one photo (``wx.uploadFile`` sends one file per request)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bot.api.framework import Call, Routes
from bot.api.schemas import Input
from storage.models import Photo

routes = Routes("photos")


class PhotoUpload(Input):
    photo_ids: list[str] = Field(min_length=1, max_length=1)


class PhotoOut(BaseModel):
    id: str = Field(description="在创建随手拍、完成心愿等请求的 photo_ids 中使用")
    content_type: str
    size: int


@routes.post("/photos", body=PhotoUpload, response=PhotoOut, status=201, idempotent=True,
             upload_into="photo_ids", upload_field="file", max_files=1, multipart_only=True,
             summary="上传一张照片（JPEG/PNG，≤10 MB），返回照片 id")
async def upload_photo(call: Call) -> PhotoOut:
    photo = await Photo.get(media_id=call.body.photo_ids[0])
    return PhotoOut(id=photo.media_id, content_type=photo.content_type, size=photo.size)
