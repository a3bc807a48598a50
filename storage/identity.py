"""One person, two WeChat apps: the Official Account ("oa") and the mini-program ("miniapp")
give the same person two openids. Every record is keyed by ``Person.openid`` (the openid of
the app the person first came through, ``Person.app``); their openid in the other app is an
``AppOpenid`` alias. These two look-ups translate at the edges: inbound (an app's openid ->
the person's key) and outbound (the person's key -> the openid a given app must send to).
"""

from __future__ import annotations

from tortoise.expressions import Q

from storage import clock
from storage.core.models import AppOpenid, Person, PersonConflict

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


# -- writes: used by handlers.identity (linking on first sight, joining two people) ----------


async def aliases(key: str) -> list[AppOpenid]:
    """The person's openids in apps other than ``Person.app``."""
    return await AppOpenid.filter(person_openid=key).order_by("id")


async def add_alias(app: str, openid: str, key: str) -> None:
    """``openid`` of ``app`` is the person keyed ``key`` (IntegrityError: already taken)."""
    await AppOpenid.create(app=app, openid=openid, person_openid=key)


async def apps_of(key: str) -> set[str]:
    """The apps the person keyed ``key`` has an openid in."""
    person = await Person.get_or_none(openid=key).only("openid", "app")
    found = {a.app for a in await aliases(key)}
    return found | {person.app} if person is not None else found


async def record_conflict(oa_openid: str, miniapp_openid: str, unionid: str) -> bool:
    """Remember two people WeChat says are one but who both hold data; False when known."""
    _, created = await PersonConflict.get_or_create(
        oa_openid=oa_openid, miniapp_openid=miniapp_openid, defaults={"unionid": unionid})
    return created


async def open_conflicts() -> list[PersonConflict]:
    return await PersonConflict.filter(resolved_at=None).order_by("id")


async def resolve_conflicts(*openids: str) -> str:
    """Mark the conflicts naming any of ``openids`` resolved; the UnionID they recorded."""
    found = await PersonConflict.filter(
        Q(oa_openid__in=list(openids)) | Q(miniapp_openid__in=list(openids)), resolved_at=None)
    for conflict in found:
        conflict.resolved_at = clock.now()
        await conflict.save(update_fields=["resolved_at"])
    return next((c.unionid for c in found if c.unionid), "")
