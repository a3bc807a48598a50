"""Users of the Official Account: ``/cgi-bin/user/info`` (用户基本信息).

As WeChat answers since December 2021: no nickname or avatar any more; ``subscribe`` 0 for
someone who does not follow (and nothing else about them); ``unionid`` only when the
account is bound to a 微信开放平台 account that knows the person (``state.set_unionid``).
An openid the account never saw is 40003; a mini-program's token gets 48001 (the API is the
Official Account's).
"""

from __future__ import annotations

from aiohttp import web

from bot import jsonsafe
from bot.sandbox.codes import SandboxFail, wx_json
from bot.sandbox.state import SandboxState

USER_INFO = "/cgi-bin/user/info"
LANGS = ("zh_CN", "zh_TW", "en")


async def user_info(request: web.Request, state: SandboxState) -> web.Response:
    """GET ?access_token&openid[&lang] -> the user's basic information."""
    from bot.sandbox.app import APPID_KEY  # the app module imports this one

    if request[APPID_KEY] != state.appid:
        raise SandboxFail(48001)
    openid = request.query.get("openid", "")
    if request.query.get("lang", "zh_CN") not in LANGS:
        raise SandboxFail(40097)
    if not _knows(state, openid):
        raise SandboxFail(40003)
    if openid in state.unfollowed:
        return wx_json({"subscribe": 0, "openid": openid})
    since = state.inbound.get(openid)
    answer: dict[str, object] = {
        "subscribe": 1, "openid": openid, "language": "zh_CN",
        "subscribe_time": int(since.timestamp()) if since else 0,
        "remark": "", "groupid": 0, "tagid_list": [],
        "subscribe_scene": "ADD_SCENE_OTHERS", "qr_scene": 0, "qr_scene_str": "",
    }
    unionid = state.unionid_of(state.appid, openid)
    if unionid:
        answer["unionid"] = unionid
    return wx_json(answer)


def _knows(state: SandboxState, openid: str) -> bool:
    """Whether ``openid`` is one of the Official Account's users: they wrote to it, followed
    or unfollowed it, or the open platform binds them."""
    return (openid in state.inbound or openid in state.unfollowed
            or (state.appid, openid) in state.unionids)


UNIONID_PATH = "/_sandbox/unionid"


async def steer_unionid(request: web.Request) -> web.Response:
    """POST {"openid": X, "unionid": U[, "appid": A]}: the open platform binds X of app A
    (default: the Official Account) to the person U (``state.set_unionid``). A sandbox
    helper, not a WeChat API."""
    from bot.sandbox.app import STATE_KEY

    state = request.app[STATE_KEY]
    try:
        doc = jsonsafe.loads(await request.read())
        openid, unionid = str(doc["openid"]).strip(), str(doc["unionid"]).strip()
        appid = str(doc.get("appid") or state.appid)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError):
        raise web.HTTPBadRequest(text='body must be {"openid": "...", "unionid": "..."}') from None
    if appid not in state.apps:
        raise web.HTTPBadRequest(text=f"the sandbox plays no app {appid}")
    if not (1 <= len(openid) <= 64 and 1 <= len(unionid) <= 64):
        raise web.HTTPBadRequest(text="openid and unionid must be 1-64 characters")
    state.set_unionid(appid, openid, unionid)
    return web.json_response({"appid": appid, "openid": openid, "unionid": unionid})
