"""Driving /api/v1 as the mini-program would: wx.login() through the sandbox, then Bearer."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from PIL import Image

from storage.core.models import Person, Role

PREFIX = "/api/v1"


def jpeg(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def form(fields: dict[str, Any], files: list[bytes] | None = None, field: str = "photos",
         content_type: str = "image/jpeg") -> aiohttp.FormData:
    data = aiohttp.FormData()
    for name, value in fields.items():
        data.add_field(name, str(value))
    for i, content in enumerate(files or []):
        data.add_field(field, content, filename=f"p{i}.jpg", content_type=content_type)
    return data


@dataclass
class Caller:
    """One signed-in person: ``await caller.get("/me")`` → (status, json body)."""

    client: TestClient
    token: str
    openid: str

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    async def call(self, method: str, path: str, *, json: Any = None, data: Any = None,
                   params: dict | None = None, headers: dict[str, str] | None = None
                   ) -> tuple[int, Any]:
        resp = await self.client.request(method, PREFIX + path, json=json, data=data,
                                         params=params, headers=self.headers(headers))
        body = await resp.json() if resp.content_type == "application/json" else None
        return resp.status, body

    async def get(self, path: str, **kw: Any) -> tuple[int, Any]:
        return await self.call("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> tuple[int, Any]:
        return await self.call("POST", path, **kw)

    async def put(self, path: str, **kw: Any) -> tuple[int, Any]:
        return await self.call("PUT", path, **kw)

    async def delete(self, path: str, **kw: Any) -> tuple[int, Any]:
        return await self.call("DELETE", path, **kw)


@dataclass
class Api:
    client: TestClient
    sandbox: Any  # bot.sandbox.SandboxState

    async def login(self, openid: str, role: Role | None = None, **person: Any) -> Caller:
        """Sign ``openid`` in (as ``role``, with ``person`` fields set on their row)."""
        if role is not None or person:
            row, _ = await Person.get_or_create(openid=openid)
            if role is not None:
                row.role = role
            for name, value in person.items():
                setattr(row, name, value)
            await row.save()
        code = self.sandbox.issue_login_code(openid)
        resp = await self.client.post(PREFIX + "/auth/login", json={"code": code})
        assert resp.status == 200, await resp.text()
        return Caller(self.client, (await resp.json())["token"], openid)

    async def anonymous(self, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        resp = await self.client.request(method, PREFIX + path, **kw)
        body = await resp.json() if resp.content_type == "application/json" else None
        return resp.status, body
