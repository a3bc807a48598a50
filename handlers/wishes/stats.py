"""Counts for the weekly bulletin (周通报): fulfilled wishes per volunteer and per community."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from storage.core.models import Volunteer, Wish, WishStatus

FULFILLED = (WishStatus.CONFIRMED, WishStatus.CLOSED)


@dataclass
class FulfilledCounts:
    total: int = 0
    by_volunteer: list[tuple[str, str, int]] = field(default_factory=list)  # openid, name, n
    by_community: list[tuple[str, int]] = field(default_factory=list)  # community, n


async def fulfilled_counts(since: datetime, until: datetime) -> FulfilledCounts:
    """Wishes confirmed in [since, until), most first; unknown community as "未填"."""
    rows = await Wish.filter(status__in=FULFILLED, confirmed_at__gte=since,
                             confirmed_at__lt=until).values_list("claimant_openid", "community")
    volunteers = Counter(openid for openid, _ in rows if openid)
    communities = Counter(community or "未填" for _, community in rows)
    names = dict(await Volunteer.filter(openid__in=list(volunteers)).values_list("openid", "name"))
    return FulfilledCounts(
        total=len(rows),
        by_volunteer=[(o, names.get(o, ""), n) for o, n in
                      sorted(volunteers.items(), key=lambda item: (-item[1], item[0]))],
        by_community=sorted(communities.items(), key=lambda item: (-item[1], item[0])))


async def fulfilled_by(openid: str) -> int:
    return await Wish.filter(claimant_openid=openid, status__in=FULFILLED).count()
