"""Crafted cases for the console's read side (overview, list, map): no tests here.

Three communities' worth of geography (C1 with grids G1, G2 and admin ``adm1``; C2 with G3),
a street admin ``adm2``, a grid worker ``gw1`` (G1) and cases spread over three ISO weeks,
their timestamps set directly (as tests/test_bulletin.py does) so every figure has data.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.reports.bulletin.queries import week_bounds
from handlers.reports.staff.scope import Scope, scope_of
from storage.core.models import Person, Role
from storage.geo.models import Category, Community, Grid, Street
from storage.reports.models import Case, CaseEvent, CaseSource, CaseStatus

WEEKS = ("2026-W46", "2026-W47", "2026-W48")
WEEK = WEEKS[1]
H = timedelta(hours=1)
SQUARES = {  # lon/lat squares side by side
    "G1": '{"type":"Polygon","coordinates":[[[125.30,43.88],[125.31,43.88],[125.31,43.89],'
          '[125.30,43.89],[125.30,43.88]]]}',
    "G2": '{"type":"Polygon","coordinates":[[[125.31,43.88],[125.32,43.88],[125.32,43.89],'
          '[125.31,43.89],[125.31,43.88]]]}',
    "G3": '{"type":"Polygon","coordinates":[[[125.32,43.88],[125.33,43.88],[125.33,43.89],'
          '[125.32,43.89],[125.32,43.88]]]}',
}
CENTRES = {"G1": (43.885, 125.305), "G2": (43.885, 125.315), "G3": (43.885, 125.325)}
PLACES = {"G1": "C1", "G2": "C1", "G3": "C2"}
CATEGORIES = ("garbage", "road_damage", "street_light")
SOURCES = tuple(CaseSource)


async def geography() -> None:
    street = await Street.create(code="S1", name="重庆路街道")
    c1 = await Community.create(code="C1", name="明珠社区", street=street, admin_openid="adm1")
    c2 = await Community.create(code="C2", name="南湖社区", street=street)
    for code, name, community in (("G1", "第一网格", c1), ("G2", "第二网格", c1),
                                  ("G3", "第三网格", c2)):
        await Grid.create(code=code, name=name, community=community, geometry=SQUARES[code])
    for i, (code, name) in enumerate((("garbage", "垃圾堆放"), ("road_damage", "道路破损"),
                                      ("street_light", "路灯"))):
        await Category.create(code=code, name=name, responsible="grid", accept_sla_hours=4,
                              resolve_sla_hours=24, sort_order=i)
    await Person.create(openid="adm1", role=Role.ADMIN, name="社区管理员")
    await Person.create(openid="adm2", role=Role.ADMIN, name="街道管理员")
    await Person.create(openid="gw1", role=Role.GRID_WORKER, name="王梦苏", grid="G1")
    await Person.create(openid="pm1", role=Role.PROPERTY_MANAGER, name="赵红梅", org="物业甲")


async def scope(openid: str) -> Scope:
    found = await scope_of(await Person.get(openid=openid))
    assert found is not None
    return found


async def case(n: int, grid: str | None, created: datetime, *,
               status: CaseStatus = CaseStatus.DISPATCHED, **fields: object) -> Case:
    """Case A{n} in ``grid`` submitted at ``created``; ``fields`` set after creation."""
    lat, lng = CENTRES.get(grid or "", (None, None))
    c = await Case.create(number=f"A{n}", reporter_openid=f"r{n}",
                          category_code=CATEGORIES[n % 3], grid_code=grid,
                          community_code=PLACES.get(grid or ""), status=status, lat=lat, lng=lng,
                          description=fields.pop("description", f"第{n}件：路边有问题"),
                          address=fields.pop("address", "人民大街 5号楼2单元301室"),
                          source=SOURCES[n % len(SOURCES)])
    await Case.filter(id=c.id).update(created_at=created, **fields)
    return await Case.get(id=c.id)


async def _week_cases(w: int, week: str) -> None:
    monday, _ = week_bounds(week)
    for i in range(14):
        n = 1000 + 100 * w + i
        grid = ("G1", "G1", "G2", "G3", "G3", "G1", "G3")[i % 7]
        created = monday + (2 + i * 11) * H
        accepted = created + (i % 4 + 0.5) * H if i % 6 != 5 else None
        resolved = created + (i % 5 * 9 + 3) * H if accepted and i % 3 != 2 else None
        due = created + 24 * H
        closed = resolved + 30 * H if resolved and i % 2 == 0 else None
        status = (CaseStatus.CLOSED if closed else CaseStatus.RESOLVED if resolved
                  else CaseStatus.ACCEPTED if accepted else CaseStatus.DISPATCHED)
        c = await case(n, grid, created, status=status, accepted_at=accepted,
                       resolved_at=resolved, resolve_due_at=due, accept_due_at=created + 4 * H,
                       closed_at=closed, rating=(i % 5 + 1) if closed else None,
                       overdue=status in (CaseStatus.DISPATCHED, CaseStatus.ACCEPTED) and i % 2)
        if resolved:
            await CaseEvent.create(case=c, action="resolve", at=resolved)
            if i % 4 == 1:
                await CaseEvent.create(case=c, action="reopen", at=resolved + 2 * H)
    # left out of every figure: a merged and a hidden case
    await case(1000 + 100 * w + 50, "G1", monday + 5 * H, status=CaseStatus.MERGED)
    await case(1000 + 100 * w + 51, "G3", monday + 6 * H, status=CaseStatus.HIDDEN,
               accepted_at=monday + 7 * H)


async def crafted() -> None:
    """The geography and 16 cases in each of WEEKS (14 counted, one merged, one hidden)."""
    await geography()
    for w, week in enumerate(WEEKS):
        await _week_cases(w, week)
