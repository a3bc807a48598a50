"""Joining two people into one: every inventory row of the one dropped moves to the one kept.

The dropped person's openid becomes an alias (``AppOpenid``) of the kept key, its other
aliases follow, its Person row goes (blank profile fields of the kept row are filled from
it). Idempotency keys and account codes that contain the dropped key are rewritten, as
erasure does, so the next award or redemption finds what was already done. The points
ledger's hash chain covers account ids and amounts, never openids: moving one wallet to the
kept key keeps ``linli ledger verify`` passing. Two wallets are never joined (see
``WALLETS``). One transaction; Redis forgets both people's cached identity afterwards.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from handlers.audit.log import record
from handlers.identity.data import movable
from handlers.privacy.inventory import Table
from storage import console_sessions, identity, keys, presence, sessions
from storage.core.models import AppOpenid, Person
from storage.kv import KV
from storage.ledger.models import Account, AccountKind
from storage.redact import hash_openid

log = logging.getLogger(__name__)
MAX_KEY = 160  # the longest idempotency key column
WALLETS = ("both people hold a points wallet. A wallet's balance, reservations and the "
           "yearly expiry of its points are bound to its ledger account and its entries; "
           "joining two would mean rewriting the hash-chained history. Redeem or expire one "
           "wallet's points first (`linli points balance OPENID`), or keep them apart")


class JoinRefused(Exception):
    """Two people cannot be joined (the message is for the operator, in English)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Joined:
    keep: str
    drop: str
    moved: dict[str, int] = field(default_factory=dict)  # inventory section -> rows


async def join(kv: KV, keep_key: str, drop_key: str, *, actor: str = "system",
               unionid: str = "") -> Joined:
    """Move everything of ``drop_key`` to ``keep_key``; ``JoinRefused`` changes nothing."""
    if keep_key == drop_key:
        raise JoinRefused("same_person", "both openids already belong to one person")
    openids = {keep_key, drop_key}
    async with in_transaction():
        keep = await Person.select_for_update().get_or_none(openid=keep_key)
        drop = await Person.select_for_update().get_or_none(openid=drop_key)
        if keep is None or drop is None:
            raise JoinRefused("unknown_person", "nobody with that openid")
        await check(keep, drop)
        openids |= {a.openid for a in await AppOpenid.filter(person_openid__in=list(openids))}
        joined = Joined(keep_key, drop_key, await _move(drop_key, keep_key))
        await AppOpenid.filter(person_openid=drop_key).update(person_openid=keep_key)
        unionid = (unionid or keep.unionid or drop.unionid
                   or await identity.resolve_conflicts(*openids))
        await _replace_profile(keep, drop, unionid)
        await identity.resolve_conflicts(*openids)
        await record(actor, "people_link", detail=_summary(joined))
    await _forget(kv, keep_key, drop_key, openids)
    log.info("people: %s", _summary(joined))
    return joined


async def check(keep: Person, drop: Person) -> None:
    """``JoinRefused`` when the two cannot be joined."""
    if drop.role.is_staff:
        raise JoinRefused("staff", f"{drop.openid} is staff ({drop.role.value}): case "
                                   "histories and staff scope name that key; not joined")
    both = await identity.apps_of(keep.openid) & await identity.apps_of(drop.openid)
    if both:
        raise JoinRefused("same_app", f"both people already have an openid in {sorted(both)}"
                                      ": one WeChat user has one openid per app")
    wallets = await Account.filter(openid__in=[keep.openid, drop.openid],
                                   kind=AccountKind.WALLET).count()
    if wallets > 1:
        raise JoinRefused("two_wallets", WALLETS)


async def _move(old: str, new: str) -> dict[str, int]:
    moved: dict[str, int] = {}
    for table in movable():
        try:
            n = await _move_table(table, old, new)
        except IntegrityError:
            raise JoinRefused("clash", f"both people have {table.kind} rows that may exist "
                                       "only once per person; not joined") from None
        if n:
            moved[table.kind] = moved.get(table.kind, 0) + n
    return moved


async def _move_table(table: Table, old: str, new: str) -> int:
    ids: set[int] = set()
    for column in table.openid:
        ids |= set(await table.model.filter(**{column: old}).values_list("id", flat=True))
        await table.model.filter(**{column: old}).update(**{column: new})
    for column in table.inside:
        rows = await table.model.filter(**{f"{column}__contains": old}).values_list("id", column)
        for row_id, value in rows:
            rewritten = value.replace(old, new)
            if len(rewritten) > MAX_KEY:
                raise JoinRefused("long_key", f"a {table.kind} key would be too long")
            await table.model.filter(id=row_id).update(**{column: rewritten})
            ids.add(row_id)
    return len(ids)


async def _replace_profile(keep: Person, drop: Person, unionid: str | None) -> None:
    """The dropped row goes; its openid becomes an alias; blanks of the kept row filled."""
    for name in ("name", "phone", "building"):
        if not getattr(keep, name) and getattr(drop, name):
            setattr(keep, name, getattr(drop, name))
    if drop.last_message_at and (keep.last_message_at is None
                                 or drop.last_message_at > keep.last_message_at):
        keep.last_message_at = drop.last_message_at
    await drop.delete()
    await identity.add_alias(drop.app, drop.openid, keep.openid)
    keep.unionid = unionid or None
    await keep.save()


def _summary(joined: Joined) -> str:
    moved = ", ".join(f"{k} {v}" for k, v in sorted(joined.moved.items())) or "nothing"
    return f"joined #{hash_openid(joined.drop)} into #{hash_openid(joined.keep)}: {moved}"


async def _forget(kv: KV, keep: str, drop: str, openids: set[str]) -> None:
    """Cached identities and person snapshots go; the dropped key's sessions end (the
    mini-program signs in again and lands on the kept key); the 48 h window carries over."""
    r = kv.redis
    seen = [float(v) for v in await r.mget(keys.seen(kv, keep), keys.seen(kv, drop)) if v]
    doomed = [keys.identity(kv, app, o) for o in openids for app in identity.APPS]
    doomed += [keys.person(kv, keep), keys.person(kv, drop), keys.state(kv, drop),
               keys.expired(kv, drop), keys.seen(kv, drop)]
    await r.delete(*doomed)
    if seen:
        ttl = await r.ttl(keys.seen(kv, keep))
        await r.set(keys.seen(kv, keep), str(max(seen)),
                    ex=ttl if ttl > 0 else presence.WINDOW_SECONDS)
    await sessions.revoke_all(kv, drop)
    await console_sessions.revoke_all(kv, drop)
