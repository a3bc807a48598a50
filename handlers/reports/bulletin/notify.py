"""The weekly bulletin's delivery: queued for every community admin through the outbox."""

from __future__ import annotations

from handlers import outbox
from handlers.reports.bulletin import texts as t
from handlers.reports.bulletin.render import PART, parts, render, share
from storage.core.models import Person, Role
from storage.geo.models import Community


async def recipients() -> list[str]:
    """Community admins: each community's admin and every person with the admin role."""
    found = await Community.filter(admin_openid__isnull=False).values_list("admin_openid",
                                                                          flat=True)
    found += await Person.filter(role=Role.ADMIN).values_list("openid", flat=True)
    return sorted({o for o in found if o})


async def send(week: str) -> int:
    """Queue the bulletin for every recipient; returns messages queued (idempotent by week)."""
    text, f = await render(week)
    notice = {"title": t.B_TITLE.format(week=week, start="", end="").split("（")[0],
              "status": t.B_NOTICE_STATUS,
              "line": t.B_NOTICE_TEXT.format(cases=f.total.cases, sla=share(f.total.sla_share))}
    pieces = parts(text, PART - 8)
    if len(pieces) > 1:  # sent side by side: say which part is which
        pieces = [f"（{i}/{len(pieces)}）{p}" for i, p in enumerate(pieces, 1)]
    count = 0
    for openid in await recipients():
        for i, piece in enumerate(pieces, 1):
            await outbox.enqueue(openid, piece, key=f"bulletin:{week}:{openid}:{i}",
                                 notice=notice)
            count += 1
    return count
