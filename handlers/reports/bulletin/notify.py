"""The weekly bulletin's delivery: queued for every community admin through the outbox."""

from __future__ import annotations

from handlers import outbox
from handlers.reports.bulletin import texts as t
from handlers.reports.bulletin.render import PART, parts, render, share
from storage.core.models import Person, Role
from storage.geo.models import Community

# Where the console is reached without LINLI_PUBLIC_URL: ``linli serve``'s own address (as
# handlers.console_access.DEFAULT_BASE_URL, a module of a sibling layer).
DEFAULT_BASE_URL = "http://127.0.0.1:8080"
PAGE_PATH = "/console/bulletin/{week}"


async def recipients() -> list[str]:
    """Community admins: each community's admin and every person with the admin role."""
    found = await Community.filter(admin_openid__isnull=False).values_list("admin_openid",
                                                                          flat=True)
    found += await Person.filter(role=Role.ADMIN).values_list("openid", flat=True)
    return sorted({o for o in found if o})


def page_url(week: str, public_url: str = "") -> str:
    """The console's page of the week's bulletin (charts, printable)."""
    return f"{public_url.rstrip('/') or DEFAULT_BASE_URL}{PAGE_PATH.format(week=week)}"


async def send(week: str, public_url: str = "") -> int:
    """Queue the bulletin for every recipient, its last line the link to the console's page
    (``public_url``: ``LINLI_PUBLIC_URL``); returns messages queued (idempotent by week)."""
    text, f = await render(week)
    text += "\n" + t.B_LINK.format(url=page_url(week, public_url))
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
