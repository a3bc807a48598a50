"""Keep less, for shorter: what the daily retention sweep removes (``LINLI_RETENTION_*``).

Four kinds, each idempotent by its own effect (no marker column: a second run finds
nothing left to do):

- ``wish_contact``: a wish that ended (closed, cancelled, rejected) ``wish_contact_days``
  ago loses its address, phone and location (blanked);
- ``wish_photo``: the photo and proof photo of a wish that ended ``wish_photo_days`` ago are
  deleted (the row, and the file unless another kept photo shares it: files are stored by
  content), and the wish forgets their ids;
- ``case_location``: a case that ended (closed, merged, rejected, hidden) ``case_location_days``
  ago keeps its location rounded to 3 decimals (about 110 m of latitude);
- ``case_caller``: the caller's name and phone of a case entered by an operator (代录:
  ``CaseContact``, no WeChat person to erase them by) are blanked once the case ended
  ``case_location_days`` ago;
- ``processed_message``: dedup records (they hold replies, which may quote personal data)
  older than ``processed_message_days``. The privacy-notice markers stay.

A wish ends at its ``closed_at``, else at its last event (the cancellation or rejection); a
case at its ``closed_at``, else at its last update. ``due`` lists the ids, ``apply`` removes
them and returns the counts per kind (nothing personal: the sweep logs them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise.expressions import Q

from handlers.context import Retention
from handlers.privacy.notice import MARKER_PREFIX
from storage import clock
from storage.core.models import Photo, ProcessedMessage, Wish, WishEvent, WishStatus
from storage.media import MediaStore
from storage.reports.models import Case, CaseContact, CaseStatus

KINDS = ("wish_contact", "wish_photo", "case_location", "case_caller", "processed_message")
WISH_ENDED = (WishStatus.CLOSED, WishStatus.CANCELLED, WishStatus.REJECTED)
CASE_ENDED = (CaseStatus.CLOSED, CaseStatus.MERGED, CaseStatus.REJECTED, CaseStatus.HIDDEN)
WISH_PHOTO_KINDS = ("wish", "wish_proof")
DECIMALS = 3  # ~110 m of latitude, less of longitude


@dataclass
class Due:
    """What a sweep would remove now, by kind: ids (wishes, photos, cases, messages)."""

    ids: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in KINDS})

    @property
    def counts(self) -> dict[str, int]:
        return {kind: len(ids) for kind, ids in self.ids.items()}


async def _ended_wishes(before: datetime) -> list[Wish]:
    rows = await Wish.filter(status__in=WISH_ENDED)
    last: dict[int, datetime] = {}
    unclosed = [w.id for w in rows if w.closed_at is None]
    for wish_id, at in await WishEvent.filter(wish_id__in=unclosed).values_list(
            "wish_id", "created_at"):
        last[wish_id] = max(at, last.get(wish_id, at))
    return [w for w in rows if (w.closed_at or last.get(w.id) or w.created_at) < before]


def _coarse(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


async def _wish_photos(wishes: list[Wish]) -> list[int]:
    numbers = [w.number for w in wishes]
    linked = {i for w in wishes for i in (w.photo_id, w.proof_photo_id) if i is not None}
    owned = await Photo.filter(Q(owner_kind__in=WISH_PHOTO_KINDS, owner_id__in=numbers)
                               | Q(id__in=list(linked))).values_list("id", flat=True)
    return sorted(set(owned))


async def _cases(before: datetime) -> list[int]:
    rows = await Case.filter(
        Q(closed_at__lt=before) | Q(closed_at__isnull=True, updated_at__lt=before),
        status__in=CASE_ENDED, lat__isnull=False).values_list("id", "lat", "lng")
    return [i for i, lat, lng in rows if (lat, lng) != (_coarse(lat), _coarse(lng))]


async def _callers(before: datetime) -> list[int]:
    ended = Q(case__closed_at__lt=before) | Q(case__closed_at__isnull=True,
                                              case__updated_at__lt=before)
    return sorted(await CaseContact.filter(ended, case__status__in=CASE_ENDED).filter(
        Q(name__not="") | Q(phone__not="")).values_list("id", flat=True))


async def due(retention: Retention, now: datetime | None = None) -> Due:
    now = now or clock.now()
    found = Due()
    days = lambda n: now - timedelta(days=n)  # noqa: E731
    contact = await _ended_wishes(days(retention.wish_contact_days))
    found.ids["wish_contact"] = sorted(
        w.id for w in contact if w.address or w.phone or w.lat is not None or w.lng is not None)
    found.ids["wish_photo"] = await _wish_photos(
        await _ended_wishes(days(retention.wish_photo_days)))
    found.ids["case_location"] = sorted(await _cases(days(retention.case_location_days)))
    found.ids["case_caller"] = await _callers(days(retention.case_location_days))
    found.ids["processed_message"] = sorted(await ProcessedMessage.filter(
        created_at__lt=days(retention.processed_message_days)).exclude(
        dedup_key__startswith=MARKER_PREFIX).values_list("id", flat=True))
    return found


async def apply(retention: Retention, media: MediaStore | None,
                now: datetime | None = None) -> dict[str, int]:
    """Remove what is due; returns the counts per kind."""
    ids = (await due(retention, now)).ids
    counts = {kind: 0 for kind in KINDS}
    if ids["wish_contact"]:
        counts["wish_contact"] = await Wish.filter(id__in=ids["wish_contact"]).update(
            address="", phone="", lat=None, lng=None)
    if ids["wish_photo"]:
        counts["wish_photo"] = await _delete_photos(ids["wish_photo"], media)
    for case_id, lat, lng in await Case.filter(id__in=ids["case_location"]).values_list(
            "id", "lat", "lng"):
        counts["case_location"] += await Case.filter(id=case_id).update(
            lat=_coarse(lat), lng=_coarse(lng))
    if ids["case_caller"]:
        counts["case_caller"] = await CaseContact.filter(id__in=ids["case_caller"]).update(
            name="", phone="")
    if ids["processed_message"]:
        counts["processed_message"] = await ProcessedMessage.filter(
            id__in=ids["processed_message"]).delete()
    return counts


async def _delete_photos(photo_ids: list[int], media: MediaStore | None) -> int:
    photos = await Photo.filter(id__in=photo_ids)
    await Wish.filter(photo_id__in=photo_ids).update(photo_id=None)
    await Wish.filter(proof_photo_id__in=photo_ids).update(proof_photo_id=None)
    deleted = await Photo.filter(id__in=photo_ids).delete()
    for path in {p.path for p in photos if p.path}:
        # Photos are stored by content: another kept photo may show the same picture.
        if media is not None and not await Photo.filter(path=path).exists():
            await media.delete(path)
    return deleted
