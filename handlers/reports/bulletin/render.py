"""The weekly bulletin as text: the figures (``queries``) with names, split into messages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from handlers.reports.bulletin import queries
from handlers.reports.bulletin import texts as t
from handlers.reports.bulletin.queries import MIN_VOLUME, Figures, Unit
from handlers.wishes.queries import fulfilled_counts
from storage import clock
from storage.geo.models import Community, Grid

PART = 600  # characters per message: a customer-service text must stay under 2,048 bytes


def _hours(h: float | None) -> str:
    if h is None:
        return t.B_NONE
    return f"{round(h * 60)}分钟" if h < 1 else f"{h:.1f}小时"


def share(x: float | None) -> str:
    return t.B_NONE if x is None else f"{round(x * 100)}%"


def _line(template: str, name: str, u: Unit, **extra: object) -> str:
    rating = t.B_NONE if u.satisfaction is None else f"{u.satisfaction:.1f}分"
    return template.format(name=name, cases=u.cases, accept=_hours(u.median_accept),
                           sla=share(u.sla_share), reopen=share(u.reopen_rate),
                           rating=rating, **extra)


async def name_units(f: Figures) -> None:
    """Name every unit as the bulletin does: the community's name, 社区·网格 for a grid."""
    codes = [c for c in f.communities if c]
    communities = dict(await Community.filter(code__in=codes).values_list("code", "name"))
    grids = dict(await Grid.filter(code__in=[g for _, g in f.grids if g]).values_list(
        "code", "name"))
    for code, unit in f.communities.items():
        unit.name = communities.get(code, code or t.B_NO_GRID)
    for (community, code), unit in f.grids.items():
        prefix = communities.get(community, community or "")
        unit.name = f"{prefix}·{grids.get(code, code) if code else t.B_NO_GRID}"


def in_order(units: Iterable[Unit]) -> list[Unit]:
    """The units as the bulletin lists them: most cases first, then by name."""
    return sorted(units, key=lambda u: (-u.cases, u.name))


async def render(week: str) -> tuple[str, Figures]:
    f = await queries.compute(week)
    await name_units(f)
    wishes = await fulfilled_counts(f.since, f.until)
    end = clock.local(f.until - timedelta(seconds=1))
    lines = [t.B_TITLE.format(week=week, start=clock.local(f.since).date(), end=end.date()),
             _line(t.B_TOTAL, "", f.total)]
    for title, units in ((t.B_COMMUNITIES, f.communities.values()),
                         (t.B_GRIDS, f.grids.values())):
        units = in_order(units)
        lines += [title, *(_line(t.B_UNIT, u.name, u) for u in units)] if units else []
    ranking = queries.ranked([*f.communities.values(), *f.grids.values()], MIN_VOLUME)
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
