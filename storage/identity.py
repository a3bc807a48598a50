"""One person, two WeChat apps: the Official Account ("oa") and the mini-program ("miniapp")
give the same person two openids. Every record is keyed by ``Person.openid`` (the openid of
the app the person first came through, ``Person.app``); their openid in the other app is an
``AppOpenid`` alias. These two look-ups translate at the edges: inbound (an app's openid ->
the person's key) and outbound (the person's key -> the openid a given app must send to).
"""

from __future__ import annotations

from storage.core.models import AppOpenid, Person

OA, MINIAPP = "oa", "miniapp"
APPS = (OA, MINIAPP)


async def person_key(app: str, openid: str) -> str:
    """The ``Person.openid`` that ``openid`` of ``app`` belongs to (itself when no alias)."""
    alias = await AppOpenid.get_or_none(app=app, openid=openid)
    return alias.person_openid if alias is not None else openid


async def app_openid(key: str, app: str) -> str | None:
    """The openid the person keyed ``key`` has in ``app``; None when they never used it
    (or the person is unknown)."""
    person = await Person.get_or_none(openid=key).only("openid", "app")
    if person is None:
        return key if app == OA else None
    if person.app == app:
        return key
    alias = await AppOpenid.get_or_none(person_openid=key, app=app)
    return alias.openid if alias is not None else None
