"""注销 (erase) and the one-time download link of 我的数据.

Erasing ``openid``, in one transaction: the person's open wishes are cancelled and the
claims they hold released through the wishes use cases (with their usual notices); the
volunteer profile, pushes and subscribe grants are deleted; photos of private places (the
photos and proofs of the person's wishes, the proofs they sent) lose their rows, and their
files go once committed; names, phones, addresses and exact places are blanked; cases keep
the public description (``mask_text``), a coarse address and a ~100 m location; then every
openid column named in ``inventory.TABLES`` gets one random pseudonym (``erased-<hex>``), so
the ledger's accounts, transfers and awards still add up (the hash chain covers account ids,
never openids: ``linli ledger verify`` keeps passing). Redis forgets the person afterwards.

A staff member's name and role stay on the pseudonymous row when ``keep_staff_history``
(``LINLI_PRIVACY_KEEP_STAFF_HISTORY``): case histories keep saying who acted. Erasing again
finds nothing under the openid and changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field

from tortoise.expressions import Q

from handlers.masking import coarse_address, mask_text
from handlers.photos import UPLOAD
from handlers.privacy.inventory import TABLES, Table
from handlers.wishes.errors import WishError
from handlers.wishes.service import claims, posting
from storage import aftercommit, console_sessions, keys, sessions
from storage.core.models import (
    AppOpenid,
    ConsoleLink,
    OutboxMessage,
    Person,
    PersonConflict,
    Photo,
    ProcessedMessage,
    Role,
    StaffInvite,
    SubscribeGrant,
    Volunteer,
    Wish,
    WishEvent,
    WishStatus,
)
from storage.geo.models import Community, Grid
from storage.kv import KV
from storage.media import MediaStore
from storage.redact import hash_openid
from storage.reports.models import Case, CaseEvent

log = logging.getLogger(__name__)

PREFIX = "erased-"
LINK_TTL = 24 * 3600
PRIVATE_PHOTOS = ("wish", "wish_proof", UPLOAD)
OPEN_WISHES = (WishStatus.SUBMITTED, WishStatus.OPEN, WishStatus.CLAIMED)
MAX_KEY = 160


def is_pseudonym(openid: str) -> bool:
    return openid.startswith(PREFIX)


def new_pseudonym() -> str:
    """Random, not derived from the openid: nothing left maps it back."""
    return PREFIX + secrets.token_hex(10)


@dataclass
class Erasure:
    pseudonym: str | None  # None: nothing was held under the openid
    released: list[str] = field(default_factory=list)  # wish numbers
    cancelled: list[str] = field(default_factory=list)
    photos: int = 0
    rows: int = 0  # rows that named the person


async def erase(openid: str, kv: KV, *, media: MediaStore | None,
                keep_staff_history: bool = True) -> Erasure:
    if is_pseudonym(openid) or not openid:
        return Erasure(None)
    alias = await AppOpenid.get_or_none(openid=openid)  # either app's openid: the one person
    openid = alias.person_openid if alias is not None else openid
    pseudonym = new_pseudonym()
    result = Erasure(pseudonym)
    aliases = await AppOpenid.filter(person_openid=openid).values_list("app", "openid")
    async with aftercommit.transaction():
        person = await Person.get_or_none(openid=openid)
        keep_name = keep_staff_history and person is not None and person.role.is_staff
        known = await _known(openid, person)
        await _end_wishes(openid, person, result)
        paths = await _forget_photos(openid, result)
        await _blank(openid, person, keep_name, known)
        result.rows = await _pseudonymise(openid, pseudonym)
    if result.rows == 0 and not result.photos:
        result.pseudonym = None
    await _delete_media(media, paths)
    await _forget_redis(kv, openid, aliases)
    log.info("privacy erase of #%s: %s rows, %s photos, %s released, %s cancelled",
             hash_openid(openid), result.rows, result.photos, len(result.released),
             len(result.cancelled))
    return result


# -- wishes: the usual use cases, with their notices ----------------------------------------


async def _end_wishes(openid: str, person: Person | None, result: Erasure) -> None:
    for wish in await Wish.filter(claimant_openid=openid, status=WishStatus.CLAIMED):
        await claims.release(wish.id, openid)
        result.released.append(wish.number)
    poster = person or Person(openid=openid, role=Role.RESIDENT)
    for wish in await Wish.filter(poster_openid=openid, status__in=list(OPEN_WISHES)):
        try:
            await posting.cancel(wish.id, poster)
        except WishError:  # changed meanwhile: what is left is blanked below all the same
            continue
        result.cancelled.append(wish.number)


# -- photos of private places ------------------------------------------------------------------


async def _forget_photos(openid: str, result: Erasure) -> list[str]:
    """Delete the rows; return the files to remove once committed."""
    mine = Q(poster_openid=openid) | Q(beneficiary_openid=openid)
    ids: set[int] = set()
    for a, b in await Wish.filter(mine).values_list("photo_id", "proof_photo_id"):
        ids.update(i for i in (a, b) if i)
    for a in await Wish.filter(claimant_openid=openid).values_list("proof_photo_id", flat=True):
        if a:
            ids.add(a)
    sent = Q(openid=openid, owner_kind__in=list(PRIVATE_PHOTOS))
    photos = await Photo.filter(Q(id__in=sorted(ids)) | sent)
    await Wish.filter(photo_id__in=[p.id for p in photos]).update(photo_id=None)
    await Wish.filter(proof_photo_id__in=[p.id for p in photos]).update(proof_photo_id=None)
    await Photo.filter(id__in=[p.id for p in photos]).delete()
    result.photos = len(photos)
    paths = {p.path for p in photos if p.path}
    still = set(await Photo.filter(path__in=sorted(paths)).values_list("path", flat=True))
    return sorted(paths - still)  # a file another row still shows stays


async def _delete_media(media: MediaStore | None, paths: list[str]) -> None:
    """The photos' bytes, from the media directory or the database (``storage.media``)."""
    if media is None:
        return
    for rel in paths:
        await media.delete(rel)


# -- names, phones, addresses, places, free text ---------------------------------------------


async def _known(openid: str, person: Person | None) -> list[str]:
    """The person's own name, phones and addresses: scrubbed from free text as well."""
    values = [person.name, person.phone] if person else []
    for v in await Volunteer.filter(openid=openid).values("name", "phone"):
        values += [v["name"], v["phone"]]
    for w in await Wish.filter(poster_openid=openid).values("beneficiary_name", "phone",
                                                              "address"):
        values += list(w.values())
    return sorted({v for v in values if v and len(v) >= 2}, key=len, reverse=True)


def _scrub(text: str, known: list[str]) -> str:
    text = mask_text(text)
    for value in known:
        text = text.replace(value, "**")
    return text


async def _blank(openid: str, person: Person | None, keep_name: bool, known: list[str]
                 ) -> None:
    if person is not None:
        person.phone, person.building, person.subscribed = "", None, False
        person.last_message_at = None
        person.unionid = None  # the link to their other WeChat app goes with the alias below
        if not keep_name:
            person.name = ""
        await person.save()
    await Volunteer.filter(openid=openid).delete()
    await OutboxMessage.filter(openid=openid).delete()
    await SubscribeGrant.filter(openid=openid).delete()
    await ConsoleLink.filter(openid=openid).delete()
    # both apps' openids: the conflicts an operator was to look at go as well
    mine = [openid, *await AppOpenid.filter(person_openid=openid).values_list(
        "openid", flat=True)]
    await PersonConflict.filter(Q(oa_openid__in=mine) | Q(miniapp_openid__in=mine)).delete()
    await AppOpenid.filter(person_openid=openid).delete()
    await ProcessedMessage.filter(openid=openid).update(reply=None)
    await _blank_wishes(openid, known)
    await _blank_cases(openid, keep_name, known)
    if not keep_name:
        await StaffInvite.filter(used_by=openid).update(name="")
    await Community.filter(admin_openid=openid).update(admin_openid=None, admin_name="",
                                                       admin_phone="")
    await Grid.filter(deputy_openid=openid).update(deputy_openid=None, deputy_name="",
                                                   deputy_phone="")


async def _blank_wishes(openid: str, known: list[str]) -> None:
    for wish in await Wish.filter(Q(poster_openid=openid) | Q(beneficiary_openid=openid)):
        await Wish.filter(id=wish.id).update(
            title=_scrub(wish.title, known)[:60], details=_scrub(wish.details, known)[:500],
            beneficiary_name="", phone="", address="", lat=None, lng=None)
    for wish in await Wish.filter(claimant_openid=openid).exclude(proof_note=""):
        await Wish.filter(id=wish.id).update(proof_note=_scrub(wish.proof_note, known)[:255])
    for event in await WishEvent.filter(actor=openid).exclude(note=""):
        await WishEvent.filter(id=event.id).update(note=_scrub(event.note, known)[:255])


async def _blank_cases(openid: str, keep_name: bool, known: list[str]) -> None:
    for case in await Case.filter(reporter_openid=openid):
        await Case.filter(id=case.id).update(
            description=_scrub(case.description, known),
            address=_scrub(coarse_address(case.address), known),
            lat=_coarse(case.lat), lng=_coarse(case.lng))
    if keep_name:
        return  # a staff member's notes are the record of a public duty
    for event in await CaseEvent.filter(actor_openid=openid).exclude(note=""):
        await CaseEvent.filter(id=event.id).update(note=_scrub(event.note, known))


def _coarse(value: float | None) -> float | None:
    return None if value is None else round(value, 3)  # ~100 m


# -- the pseudonym everywhere ------------------------------------------------------------------


async def _pseudonymise(openid: str, pseudonym: str) -> int:
    changed = 0
    for table in TABLES:
        if table.erase != "pseudonymise":
            continue
        for column in table.openid:
            changed += await table.model.filter(**{column: openid}).update(**{column: pseudonym})
        for column in table.inside:
            changed += await _replace_inside(table, column, openid, pseudonym)
    return changed


async def _replace_inside(table: Table, column: str, openid: str, pseudonym: str) -> int:
    rows = await table.model.filter(**{f"{column}__contains": openid}).values_list("id", column)
    for row_id, value in rows:
        new = value.replace(openid, pseudonym)
        if len(new) > MAX_KEY:  # still unique: the hash of what it was
            new = PREFIX + hashlib.sha256(value.encode()).hexdigest()
        await table.model.filter(id=row_id).update(**{column: new})
    return len(rows)


# -- Redis ------------------------------------------------------------------------------------


async def _forget_redis(kv: KV, openid: str, aliases: list[tuple[str, str]]) -> None:
    """``aliases``: (app, openid) of the person's other WeChat app, cached by
    ``handlers.identity``: a later message from it must not find the erased key."""
    await sessions.revoke_all(kv, openid)
    await console_sessions.revoke_all(kv, openid)
    link = await kv.redis.get(keys.privacy_export_of(kv, openid))
    doomed = [keys.state(kv, openid), keys.expired(kv, openid), keys.person(kv, openid),
              keys.seen(kv, openid),
              keys.notice(kv, openid), keys.privacy_export_of(kv, openid),
              keys.rate(kv, keys.rate_api_person(openid)),
              keys.rate(kv, keys.rate_api_write(openid)),
              keys.identity(kv, "oa", openid), keys.identity(kv, "miniapp", openid),
              *(keys.identity(kv, app, other) for app, other in aliases)]
    if link:
        doomed.append(keys.privacy_export(kv, link.decode() if isinstance(link, bytes) else link))
    await kv.redis.delete(*doomed)


# -- 我的数据's download link -----------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_link(kv: KV, openid: str) -> str:
    """A new one-time token for the person's export (the previous one stops working)."""
    token = secrets.token_urlsafe(24)
    digest = _digest(token)
    old = await kv.redis.get(keys.privacy_export_of(kv, openid))
    async with kv.redis.pipeline(transaction=True) as pipe:
        if old:
            pipe.delete(keys.privacy_export(kv, old.decode() if isinstance(old, bytes) else old))
        pipe.set(keys.privacy_export(kv, digest), openid, ex=LINK_TTL)
        pipe.set(keys.privacy_export_of(kv, openid), digest, ex=LINK_TTL)
        await pipe.execute()
    return token


async def redeem_link(kv: KV, token: str) -> str | None:
    """The openid the token was issued to, once; None when unknown, used or expired."""
    if not token or len(token) > 64:
        return None
    raw = await kv.redis.getdel(keys.privacy_export(kv, _digest(token)))
    if raw is None:
        return None
    return raw.decode() if isinstance(raw, bytes) else raw
