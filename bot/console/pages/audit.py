"""审计 ``/console/audit``: every console action and every view of private data.

Community and street admins only (anyone else: 404). A community admin reads the entries of
their communities and their own; a street admin reads everything.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from aiohttp import web

from bot.console import session
from bot.console.render import not_found, page
from handlers import audit
from storage.core.models import Person


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _int(raw: str, default: int) -> int:
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 100_000 else default


def parse(params) -> audit.AuditQuery:
    return audit.AuditQuery(actor=params.get("actor", "").strip()[:64],
                            action=params.get("action", "").strip()[:32],
                            target=params.get("target", "").strip().upper()[:32],
                            since=_date(params.get("since", "")),
                            until=_date(params.get("until", "")),
                            page=_int(params.get("page", ""), 1))


async def audit_page(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    if not viewer.scope.is_admin:
        return not_found(request, viewer)
    query = parse(request.query)
    entries, total = await audit.search(query, viewer.scope.communities_seen(),
                                         viewer=viewer.openid)
    people = {p.openid: p for p in await Person.filter(
        openid__in=sorted({e.actor_openid for e in entries}))} if entries else {}
    pages = max(1, -(-total // query.per_page))

    def url(**changes: object) -> str:
        params = [(k, v) for k, v in request.query.items() if k not in changes]
        params += [(k, str(v)) for k, v in changes.items() if v not in (None, "")]
        return "/console/audit?" + urlencode(params)

    return page(request, viewer, "audit.html", entries=entries, total=total, q=query,
                pages=pages, people=people, actions=audit.ACTION_NAMES, url=url)
