"""Writing and reading the audit log (``AuditEntry``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tortoise.expressions import Q

from storage import clock
from storage.core.models.console import AuditEntry

MAX_PER_PAGE = 200
# Column sizes of AuditEntry: longer values are cut, never refused (the log must not fail).
_ACTOR, _ACTION, _TARGET, _COMMUNITY, _IP = 64, 32, 32, 32, 64
MAX_DETAIL = 2000


async def record(actor_openid: str, action: str, *, target: str = "",
                 community: str | None = None, detail: str = "", ip: str = "") -> None:
    """Append one entry, stamped with ``storage.clock.now()``. ``community`` is the
    community of the target (a case's), None for what belongs to none (a login)."""
    await AuditEntry.create(
        at=clock.now(), actor_openid=actor_openid[:_ACTOR], action=action[:_ACTION],
        target=(target or "")[:_TARGET], community=community[:_COMMUNITY] if community else None,
        detail=(detail or "")[:MAX_DETAIL], ip=(ip or "")[:_IP])


@dataclass
class AuditQuery:
    actor: str = ""  # an openid, exactly
    action: str = ""  # an action, exactly (view_private, supervise, …)
    target: str = ""  # a case number or other target, any case (a1234 finds A1234)
    since: date | None = None  # local days (Asia/Shanghai), both ends included
    until: date | None = None
    page: int = 1
    per_page: int = 50


def _day_start(day: date) -> datetime:
    """Midnight of a local day, in UTC (SQLite compares the stored UTC text)."""
    return datetime.combine(day, time(0), tzinfo=clock.SHANGHAI).astimezone(UTC)


def _filters(query: AuditQuery) -> Q:
    q = Q()
    if query.actor.strip():
        q &= Q(actor_openid=query.actor.strip())
    if query.action.strip():
        q &= Q(action=query.action.strip())
    if query.target.strip():
        q &= Q(target__iexact=query.target.strip())
    if query.since is not None:
        q &= Q(at__gte=_day_start(query.since))
    if query.until is not None:
        q &= Q(at__lt=_day_start(query.until + timedelta(days=1)))
    return q


def _scoped(communities: frozenset[str] | None, viewer: str) -> Q | None:
    """None: everything (a street admin). Else the entries of ``communities``, and the
    entries of no community that ``viewer`` (the admin reading) made themselves."""
    if communities is None:
        return None
    q = Q(community__in=sorted(communities)) if communities else Q(id__in=[])
    if viewer:
        q |= Q(community=None, actor_openid=viewer)
    return q


async def search(query: AuditQuery, communities: frozenset[str] | None, *,
                 viewer: str = "") -> tuple[list[AuditEntry], int]:
    """One page of the entries ``query`` selects, newest first, and how many there are.

    ``communities`` None: every entry (street admins). Otherwise only the entries of those
    communities, plus the community-less ones (sign-ins, exports) of ``viewer`` (the openid
    of the admin reading; without it, none of those).
    """
    where = _filters(query)
    scope = _scoped(communities, viewer)
    if scope is not None:
        where &= scope
    per_page = min(max(int(query.per_page), 1), MAX_PER_PAGE)
    page = max(int(query.page), 1)
    found = AuditEntry.filter(where)
    total = await found.count()
    rows = await found.order_by("-at", "-id").offset((page - 1) * per_page).limit(per_page)
    return rows, total
