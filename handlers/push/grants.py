"""One-time subscribe grants, counted by us: WeChat has no API for the remaining count."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from storage.core.models import SubscribeGrant


async def record_subscribe_grant(openid: str, template_id: str, count: int = 1) -> int:
    """The person accepted ``count`` more subscribe messages of ``template_id`` (the
    mini-program reports ``wx.requestSubscribeMessage`` results here); returns what is left."""
    if count <= 0:
        raise ValueError("count must be positive")
    row = SubscribeGrant.filter(openid=openid, template_id=template_id)
    if not await row.update(remaining=F("remaining") + count):
        try:
            async with in_transaction() as conn:
                await SubscribeGrant.create(openid=openid, template_id=template_id,
                                            remaining=count, using_db=conn)
        except IntegrityError:  # created a moment ago by a concurrent call
            await row.update(remaining=F("remaining") + count)
    return await remaining(openid, template_id)


async def record_accepted(openid: str, template_ids: Iterable[str]) -> dict[str, int]:
    """What the person accepted in one ``wx.requestSubscribeMessage``: one more send of each
    template (a template listed twice is still one acceptance); returns what is left of each.
    The caller makes a retried report count once (the API's ``Idempotency-Key``)."""
    return {tid: await record_subscribe_grant(openid, tid) for tid in dict.fromkeys(template_ids)}


async def counts(openid: str, template_ids: Iterable[str] | None = None) -> dict[str, int]:
    """What is left per template: of these templates (0 when none was granted), or of every
    template the person ever granted (None)."""
    query = SubscribeGrant.filter(openid=openid)
    wanted = list(dict.fromkeys(template_ids)) if template_ids is not None else None
    if wanted is not None:
        query = query.filter(template_id__in=wanted)
    found = dict(await query.order_by("template_id").values_list("template_id", "remaining"))
    if wanted is None:
        return found
    return {tid: found.get(tid, 0) for tid in wanted}


async def remaining(openid: str, template_id: str) -> int:
    grant = await SubscribeGrant.get_or_none(openid=openid, template_id=template_id)
    return grant.remaining if grant else 0


async def take(openid: str, template_id: str) -> bool:
    """Use one grant if there is one left (a guarded decrement: never below zero)."""
    return bool(await SubscribeGrant.filter(
        openid=openid, template_id=template_id, remaining__gt=0
    ).update(remaining=F("remaining") - 1))


async def give_back(openid: str, template_id: str) -> None:
    """The send failed before WeChat used the grant: count it again."""
    await SubscribeGrant.filter(openid=openid, template_id=template_id).update(
        remaining=F("remaining") + 1)


async def clear(openid: str, template_id: str) -> None:
    """WeChat says none are left (43101): our count was wrong, trust WeChat."""
    await SubscribeGrant.filter(openid=openid, template_id=template_id).update(remaining=0)


async def without_grant(openids: Iterable[str], template_id: str) -> list[str]:
    """Those of ``openids`` with no subscribe message of ``template_id`` left to send."""
    wanted = list(dict.fromkeys(openids))
    granted = set(await SubscribeGrant.filter(
        openid__in=wanted, template_id=template_id, remaining__gt=0).values_list(
        "openid", flat=True))
    return [o for o in wanted if o not in granted]
