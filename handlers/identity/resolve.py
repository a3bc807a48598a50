"""An app's openid -> the person key, linking the two apps on first sight by UnionID.

Mini-program sign-in: WeChat's jscode2session gives the openid and (when both apps are bound
to one 微信开放平台 account) the UnionID. Official Account messages carry only the openid:
the first time one is seen, WeChat is asked for its UnionID (``user/info``) once; the answer
(or the fact that there is none) is cached in Redis (``keys.identity``), so an ordinary
message costs one Redis read and no database query. A failed look-up is retried after
``RETRY_TTL``, an openid without UnionID asked again after ``UNLINKED_TTL``.

Where both openids already have their own person: joined when one of them holds nothing,
kept apart and recorded for an operator (``linli people conflicts``) when both hold data.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from tortoise.exceptions import IntegrityError

from handlers.identity.data import has_data
from handlers.identity.join import JoinRefused, join
from storage import identity, keys
from storage.core.models import AppOpenid, Person
from storage.identity import MINIAPP, OA
from storage.kv import KV
from storage.redact import hash_openid

log = logging.getLogger(__name__)

LINKED_TTL = 24 * 3600  # an answer that changes only by a join or an erasure (which drop it)
UNLINKED_TTL = 24 * 3600  # no UnionID (the account is not on an open platform): ask daily
RETRY_TTL = 300  # WeChat did not answer: try again on a message after five minutes


class LookupFailed(Exception):
    """WeChat did not say whether the openid has a UnionID (timeout, error)."""


# openid -> its UnionID, None when it has none; raises LookupFailed.
AskUnionid = Callable[[str], Awaitable[str | None]]


# -- the mini-program ---------------------------------------------------------------------------


async def miniapp_key(kv: KV, openid: str, unionid: str | None) -> str:
    """The person key of a mini-program ``openid`` signing in (created if new)."""
    alias = await AppOpenid.get_or_none(app=MINIAPP, openid=openid)
    if alias is not None:
        return alias.person_openid
    own = await Person.get_or_none(openid=openid)
    other = await Person.get_or_none(unionid=unionid) if unionid else None
    if other is not None and own is not None and other.openid != own.openid:
        oa_openid = await identity.app_openid(other.openid, OA) or other.openid
        return await _link_or_apart(kv, other, own, oa_openid, openid, unionid) or own.openid
    if other is not None and own is None:
        return await _alias(MINIAPP, openid, other.openid)
    if own is not None:
        await _remember(own, unionid)
        return own.openid
    return await _create(openid, MINIAPP, unionid)


# -- the Official Account ---------------------------------------------------------------------


async def oa_key(kv: KV, openid: str, ask: AskUnionid, *, fresh: bool = False) -> str:
    """The person key of an Official Account ``openid`` (one Redis read when cached).
    ``fresh`` (a follow event): an openid cached as unlinked is looked at again, as the
    account may have been bound to an open platform since."""
    cached = keys.identity(kv, OA, openid)
    raw = await kv.redis.get(cached)
    key = raw.decode() if isinstance(raw, bytes) else raw
    if key and not (fresh and key == openid):
        return key
    key, ttl = await _resolve_oa(kv, openid, ask)
    await kv.redis.set(cached, key, ex=ttl)
    return key


async def _resolve_oa(kv: KV, openid: str, ask: AskUnionid) -> tuple[str, int]:
    alias = await AppOpenid.get_or_none(app=OA, openid=openid)
    if alias is not None:
        return alias.person_openid, LINKED_TTL
    person = await Person.get_or_none(openid=openid)
    if person is not None and person.unionid:
        return openid, LINKED_TTL
    try:
        unionid = await ask(openid)
    except LookupFailed as exc:
        log.info("no UnionID for #%s yet: %s", hash_openid(openid), exc)
        return openid, RETRY_TTL
    if not unionid:
        return openid, UNLINKED_TTL
    return await _link_oa(kv, openid, person, unionid), LINKED_TTL


async def _link_oa(kv: KV, openid: str, person: Person | None, unionid: str) -> str:
    other = await Person.get_or_none(unionid=unionid)
    if other is None or other.openid == openid:
        if person is None:
            return await _create(openid, OA, unionid)
        await _remember(person, unionid)
        return openid
    if person is None:
        return await _alias(OA, openid, other.openid)
    mp_openid = await identity.app_openid(other.openid, MINIAPP) or other.openid
    return await _link_or_apart(kv, person, other, openid, mp_openid, unionid) or openid


# -- both sides -----------------------------------------------------------------------------


async def _link_or_apart(kv: KV, oa: Person, mp: Person, oa_openid: str, mp_openid: str,
                         unionid: str) -> str | None:
    """Join the two people when one holds nothing (the one with data is kept, else the
    Official Account's); the shared key, or None when kept apart (recorded as a conflict)."""
    oa_data, mp_data = await has_data(oa), await has_data(mp)
    if not (oa_data and mp_data):
        keep, drop = (mp, oa) if mp_data else (oa, mp)
        try:
            return (await join(kv, keep.openid, drop.openid, unionid=unionid)).keep
        except JoinRefused as exc:
            log.warning("people #%s and #%s not joined: %s", hash_openid(oa.openid),
                        hash_openid(mp.openid), exc.code)
    if await identity.record_conflict(oa_openid, mp_openid, unionid):
        log.warning("people #%s (Official Account) and #%s (mini-program) share a UnionID but "
                    "both hold data: kept apart, see `linli people conflicts`",
                    hash_openid(oa_openid), hash_openid(mp_openid))
    return None


async def _alias(app: str, openid: str, key: str) -> str:
    """Link ``openid`` of ``app`` to ``key``; a concurrent link wins; a person who already
    has an openid in ``app`` keeps it and ``openid`` becomes a person of its own."""
    try:
        await identity.add_alias(app, openid, key)
        log.info("linked #%s (%s) to #%s", hash_openid(openid), app, hash_openid(key))
        return key
    except IntegrityError:
        alias = await AppOpenid.get_or_none(app=app, openid=openid)
        if alias is not None:
            return alias.person_openid
    log.warning("#%s already has an openid in %s: #%s stays a person of its own",
                hash_openid(key), app, hash_openid(openid))
    return await _create(openid, app, None)


async def _remember(person: Person, unionid: str | None) -> None:
    if not unionid or person.unionid == unionid:
        return
    if person.unionid or await Person.exists(unionid=unionid):
        return  # another person has it: left for the join rules / an operator
    try:
        await Person.filter(id=person.id, unionid=None).update(unionid=unionid)
    except IntegrityError:  # taken meanwhile
        return


async def _create(openid: str, app: str, unionid: str | None) -> str:
    try:
        person, _ = await Person.get_or_create(openid=openid,
                                               defaults={"app": app, "unionid": unionid})
    except IntegrityError:  # the UnionID was taken meanwhile
        person, _ = await Person.get_or_create(openid=openid, defaults={"app": app})
    return person.openid
