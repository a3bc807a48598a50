"""Temporary media: ``/cgi-bin/media/upload`` and ``/cgi-bin/media/get``."""

from __future__ import annotations

import mimetypes

from aiohttp import web

from bot.sandbox.codes import SandboxFail, wx_json
from bot.sandbox.state import SandboxState

MEDIA_KINDS = {"image", "voice", "video", "thumb"}
MAX_IMAGE_BYTES = 10 * 1024 * 1024
# What WeChat accepts as an image: JPEG, PNG, GIF (and BMP), told by their first bytes.
_IMAGE_MAGIC = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG": "image/png",
    b"GIF8": "image/gif",
    b"BM": "image/bmp",
}
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/bmp": "bmp"}


async def upload(request: web.Request, state: SandboxState) -> web.Response:
    """POST ?type=image multipart field ``media`` -> {type, media_id, created_at}."""
    kind = request.query.get("type", "")
    if kind not in MEDIA_KINDS:
        raise SandboxFail(40004)
    form = await request.post()
    field = form.get("media")
    if not isinstance(field, web.FileField):
        raise SandboxFail(41005)
    content = field.file.read()
    content_type = field.content_type or mimetypes.guess_type(field.filename)[0] or ""
    if kind == "image":
        content_type = _image_type(content)
    media_id = state.add_media(
        content, content_type or "application/octet-stream", kind, field.filename
    )
    created_at = int(state.media[media_id].created_at.timestamp())
    id_field = "thumb_media_id" if kind == "thumb" else "media_id"
    return wx_json({"type": kind, id_field: media_id, "created_at": created_at})


def _image_type(content: bytes) -> str:
    if not content:
        raise SandboxFail(41005)
    if len(content) > MAX_IMAGE_BYTES:
        raise SandboxFail(40009)
    for magic, content_type in _IMAGE_MAGIC.items():
        if content.startswith(magic):
            return content_type
    raise SandboxFail(40005)


async def get(request: web.Request, state: SandboxState) -> web.Response:
    """GET ?media_id -> the bytes; an unknown or 3-day-old id -> JSON 40007 (as text/plain)."""
    media_id = request.query.get("media_id")
    media = state.live_media(media_id)
    if media is None:
        raise SandboxFail(40007)
    ext = _EXTENSIONS.get(media.content_type, "bin")
    return web.Response(
        body=media.content,
        content_type=media.content_type,
        headers={
            "Content-disposition": f'attachment; filename="{media_id}.{ext}"',
            "Cache-Control": "no-cache, must-revalidate",
        },
    )
