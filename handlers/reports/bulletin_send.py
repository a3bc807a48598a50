"""The weekly bulletin as text, and its delivery to community admins through the outbox."""

from __future__ import annotations

from datetime import timedelta

from handlers import outbox
from handlers.context import Services
from handlers.reports import bulletin
from handlers.reports import push_texts as t
from handlers.reports.bulletin import Figures, Unit
from handlers.wishes.stats import fulfilled_counts
from storage import clock
from storage.core.models import Person, Role
from storage.geo.models import Community, Grid

MIN_VOLUME = 5  # units with fewer cases in the week are shown but not ranked
PART = 600  # characters per message: a customer-service text must stay under 2,048 bytes


def _hours(h: float | None) -> str:
    if h is None:
        return t.B_NONE
    return f"{round(h * 60)}分钟" if h < 1 else f"{h:.1f}小时"


def _share(x: float | None) -> str:
    return t.B_NONE if x is None else f"{round(x * 100)}%"


def _line(template: str, name: str, u: Unit, **extra: object) -> str:
    rating = t.B_NONE if u.satisfaction is None else f"{u.satisfaction:.1f}分"
    return template.format(name=name, cases=u.cases, accept=_hours(u.median_accept),
                           sla=_share(u.sla_share), reopen=_share(u.reopen_rate),
                           rating=rating, **extra)


async def _names(f: Figures) -> None:
    codes = [c for c in f.communities if c]
    communities = dict(await Community.filter(code__in=codes).values_list("code", "name"))
    grids = dict(await Grid.filter(code__in=[g for _, g in f.grids if g]).values_list(
        "code", "name"))
    for code, unit in f.communities.items():
        unit.name = communities.get(code, code or t.B_NO_GRID)
    for (community, code), unit in f.grids.items():
        prefix = communities.get(community, community or "")
        unit.name = f"{prefix}·{grids.get(code, code) if code else t.B_NO_GRID}"


async def render(week: str) -> tuple[str, Figures]:
    f = await bulletin.compute(week)
    await _names(f)
    wishes = await fulfilled_counts(f.since, f.until)
    end = clock.local(f.until - timedelta(seconds=1))
    lines = [t.B_TITLE.format(week=week, start=clock.local(f.since).date(), end=end.date()),
             _line(t.B_TOTAL, "", f.total)]
    for title, units in ((t.B_COMMUNITIES, f.communities.values()),
                         (t.B_GRIDS, f.grids.values())):
        units = sorted(units, key=lambda u: (-u.cases, u.name))
        lines += [title, *(_line(t.B_UNIT, u.name, u) for u in units)] if units else []
    ranking = bulletin.ranked([*f.communities.values(), *f.grids.values()], MIN_VOLUME)
    lines.append(t.B_RANKING.format(minimum=MIN_VOLUME))
    lines += [_line(t.B_RANK, u.name, u, rank=i) for i, u in enumerate(ranking, 1)] or [
        t.B_NO_RANKING.format(minimum=MIN_VOLUME)]
    lines.append(t.B_WISHES.format(total=wishes.total, by_community="，".join(
        f"{c} {n}个" for c, n in wishes.by_community)) if wishes.total else t.B_NO_WISHES)
    lines.append(t.B_NOTE)
    return "\n".join(lines), f


def parts(text: str, limit: int = PART) -> list[str]:
    """Split at line ends into pieces of at most ``limit`` characters (long lines cut)."""
    out: list[str] = []
    for line in text.split("\n"):
        while len(line) > limit:
            out.append(line[:limit])
            line = line[limit:]
        if out and len(out[-1]) + 1 + len(line) <= limit:
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


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
              "line": t.B_NOTICE_TEXT.format(cases=f.total.cases, sla=_share(f.total.sla_share))}
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


async def weekly(services: Services) -> None:
    """The scheduler's Monday 08:00 job: last week's bulletin."""
    await send(bulletin.last_week())
