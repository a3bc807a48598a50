"""Points awarded in a window, per community and grid (the 周通报 page's 积分 figures).

What counts: points earned by rule (``ledger_award`` rows with an amount, created in
[since, until)) and points granted by an operator (``linli points grant``: posted transfers
of kind ``grant``). A rule's award names its subject: a case (``A1234``) counts for the
case's community and grid, a wish (``W12``) for the wish's grid (and that grid's community),
else for the community named on the wish. Grants name no place: they count in the district
total only (``granted``). Reversals are not subtracted (the ledger's own view has them).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from storage.core.models import Wish
from storage.geo.models import Community, Grid
from storage.ledger.models import Award, Transfer, TransferStatus
from storage.reports.models import Case

_WISH = re.compile(r"^W(\d+)$")
Place = tuple[str | None, str | None]  # (community code, grid code)


@dataclass
class Awarded:
    earned: int = 0  # by rule, everywhere
    granted: int = 0  # by operators, no place
    by_community: Counter[str | None] = field(default_factory=Counter)  # earned, by code
    by_grid: Counter[Place] = field(default_factory=Counter)  # earned, by (community, grid)

    @property
    def total(self) -> int:
        return self.earned + self.granted


async def awarded_in(since: datetime, until: datetime) -> Awarded:
    """Points earned by rule and granted by operators in [since, until)."""
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    rows, grants = await asyncio.gather(
        Award.filter(created_at__gte=since, created_at__lt=until, amount__gt=0)
        .order_by("id").values_list("subject", "amount"),
        Transfer.filter(kind="grant", status=TransferStatus.POSTED, created_at__gte=since,
                        created_at__lt=until).values_list("amount", flat=True))
    places = await _places([subject for subject, _ in rows])
    out = Awarded(granted=sum(grants))
    for subject, amount in rows:
        community, grid = places.get(subject, (None, None))
        out.earned += amount
        out.by_community[community] += amount
        out.by_grid[community, grid] += amount
    return out


async def _places(subjects: list[str]) -> dict[str, Place]:
    """Where each award's subject is: a case's or a wish's community and grid."""
    wish_ids = {int(m[1]) for s in subjects if (m := _WISH.match(s))}
    cases, wishes = await asyncio.gather(
        Case.filter(number__in=sorted({s for s in subjects if not _WISH.match(s)}))
        .values_list("number", "community_code", "grid_code"),
        Wish.filter(id__in=sorted(wish_ids)).values_list("id", "community", "grid"))
    grids = dict(await Grid.filter(code__in=sorted({g for _, _, g in wishes if g}))
                 .values_list("code", "community__code"))
    names = dict(await Community.filter(name__in=sorted({c for _, c, _ in wishes if c}))
                 .values_list("name", "code"))
    found: dict[str, Place] = {number: (community, grid) for number, community, grid in cases}
    for wish_id, community, grid in wishes:
        code = grids.get(grid) if grid else None
        found[f"W{wish_id}"] = (code or names.get(community), grid if code else None)
    return found
