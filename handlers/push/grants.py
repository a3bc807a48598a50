"""Subscribe grants, counted by us: WeChat has no API for the remaining count.

A grant belongs to the app whose template it is: "miniapp" (``wx.requestSubscribeMessage``,
reported by the mini-program through the API) or "oa" (the Official Account's subscription
notices, reported by the ``subscribe_msg_*`` events). A one-time grant carries one message;
a long-term one (长期订阅) is not used up by a send and lasts until withdrawn.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from storage.core.models import SubscribeGrant
from storage.identity import MINIAPP


async def record_subscribe_grant(openid: str, template_id: str, count: int = 1, *,
                                 app: str = MINIAPP, long_term: bool = False) -> int:
    """The person accepted ``count`` more subscribe messages of ``template_id`` of ``app``
    (``long_term``: a long-term template, not used up by sends); returns what is left."""
    if count <= 0:
        raise ValueError("count must be positive")
    row = SubscribeGrant.filter(openid=openid, template_id=template_id)
    changes = {"remaining": F("remaining") + count, "app": app}
    if long_term:
        changes["long_term"] = True
    if not await row.update(**changes):
        try:
            async with in_transaction() as conn:
                await SubscribeGrant.create(openid=openid, template_id=template_id, app=app,
                                            remaining=count, long_term=long_term,
                                            using_db=conn)
        except IntegrityError:  # created a moment ago by a concurrent call
            await row.update(**changes)
    return await remaining(openid, template_id)


async def record_accepted(openid: str, template_ids: Iterable[str], *, app: str = MINIAPP,
                          long_term: Collection[str] = ()) -> dict[str, int]:
    """What the person accepted in one opt-in (``wx.requestSubscribeMessage``, or an Official
    Account's subscription pop-up): one more send of each template (a template listed twice
    is still one acceptance; those in ``long_term`` are long-term); returns what is left of
    each. The caller makes a repeated report count once (the API's ``Idempotency-Key``, the
    webhook's dedup key)."""
    return {tid: await record_subscribe_grant(openid, tid, app=app, long_term=tid in long_term)
            for tid in dict.fromkeys(template_ids)}


async def withdraw(openid: str, template_id: str) -> None:
    """The person withdrew the grant, or WeChat refused a send (43101): none left, and a
    long-term grant is long-term no more."""
    await SubscribeGrant.filter(openid=openid, template_id=template_id).update(
        remaining=0, long_term=False)


async def usable(openid: str, template_ids: Collection[str]) -> list[SubscribeGrant]:
    """The person's grants with a message left among ``template_ids``, one-time ones first
    (they would otherwise lapse unused), then by template."""
    if not template_ids:
        return []
    return await SubscribeGrant.filter(
        openid=openid, template_id__in=list(template_ids), remaining__gt=0
    ).order_by("long_term", "template_id")


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
    """Use one grant if there is one left (a guarded decrement: never below zero); a
    long-term grant is used without being used up."""
    left = SubscribeGrant.filter(openid=openid, template_id=template_id, remaining__gt=0)
    if await left.filter(long_term=True).exists():
        return True
    return bool(await left.filter(long_term=False).update(remaining=F("remaining") - 1))


async def give_back(openid: str, template_id: str) -> None:
    """The send failed before WeChat used the grant: count it again."""
    await SubscribeGrant.filter(openid=openid, template_id=template_id, long_term=False
                                ).update(remaining=F("remaining") + 1)


async def without_grant(openids: Iterable[str], template_id: str) -> list[str]:
    """Those of ``openids`` with no subscribe message of ``template_id`` left to send."""
    wanted = list(dict.fromkeys(openids))
    granted = set(await SubscribeGrant.filter(
        openid__in=wanted, template_id=template_id, remaining__gt=0).values_list(
        "openid", flat=True))
    return [o for o in wanted if o not in granted]
