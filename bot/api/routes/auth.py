"""Signing in with ``wx.login()``'s code, signing out, and who am I."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bot import keys
from bot.api import limits
from bot.api import texts as api_texts
from bot.api.errors import ApiError
from bot.api.operations import Call, Reply, Routes
from bot.api.schemas import Input
from bot.wechat.errors import (
    ApiFrequencyLimit,
    CodeUsed,
    InvalidCode,
    MinuteQuota,
    TransientError,
    WeChatError,
)
from handlers.identity import resolve
from storage import sessions
from storage.core.models import Person, Role

routes = Routes("auth")


class LoginIn(Input):
    code: str = Field(min_length=1, max_length=128, description="wx.login() 返回的 code")


class Me(BaseModel):
    role: Role
    name: str
    building: str | None
    grid: str | None
    org: str | None
    is_staff: bool

    @classmethod
    def of(cls, person: Person) -> Me:
        return cls(role=person.role, name=person.name, building=person.building,
                   grid=person.grid, org=person.org, is_staff=person.role.is_staff)


class LoginOut(BaseModel):
    token: str = Field(description="之后每个请求带上 Authorization: Bearer <token>")
    expires_in: int = Field(description="有效期（秒）")
    person: Me


@routes.post("/auth/login", public=True, body=LoginIn, response=LoginOut, errors=(503,),
             summary="用 wx.login() 的 code 登录")
async def login(call: Call) -> LoginOut:
    request = call.request
    await limits.check_login(call.kv, request)
    wechat = request.config_dict[keys.WECHAT_MINIAPP]
    try:
        found = await wechat.jscode2session(call.body.code)
    except InvalidCode:
        raise ApiError(400, "invalid_code", api_texts.LOGIN_CODE_INVALID) from None
    except CodeUsed:
        raise ApiError(400, "code_used", api_texts.LOGIN_CODE_USED) from None
    except (ApiFrequencyLimit, MinuteQuota):
        raise ApiError(429, "rate_limited", api_texts.LOGIN_TOO_OFTEN,
                       headers={"Retry-After": "60"}) from None
    except (TransientError, WeChatError):
        raise ApiError(503, "wechat_unavailable", api_texts.WECHAT_UNAVAILABLE) from None
    settings = request.config_dict[keys.SETTINGS]
    openid = found["openid"]  # the session holds the person key: the records chat sees too
    if settings.separate_miniapp:
        openid = await resolve.miniapp_key(call.kv, openid, found.get("unionid"))
    person = await Person.get_or_none(openid=openid)
    if person is None:
        person, _ = await Person.get_or_create(openid=openid)
    ttl = settings.api_session_ttl
    token = await sessions.create(call.kv, openid, found.get("session_key", ""), ttl)
    return LoginOut(token=token, expires_in=ttl, person=Me.of(person))


@routes.post("/auth/logout", response=None, status=204, summary="退出登录（作废当前 token）")
async def logout(call: Call) -> Reply:
    assert call.session is not None
    await sessions.revoke(call.kv, call.session)
    return Reply(None, 204)


@routes.get("/me", response=Me, summary="当前登录的人")
async def me(call: Call) -> Me:
    return Me.of(call.me)
