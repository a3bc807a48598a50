"""Who sees which case in the console (``handlers.reports.staff.scope``): the chat's rules."""

from __future__ import annotations

from handlers.reports.staff.scope import scope_of
from storage.core.models import Person
from storage.geo.models import Grid
from storage.reports.models import Case
from tests.support.reports_staff import (
    ADMIN,
    DEPT,
    G01,
    G02,
    IN_G01,
    IN_G02,
    PROP,
    district,
    report,
)


async def _seen(openid: str) -> set[str]:
    scope = await scope_of(await Person.get(openid=openid))
    q = scope.q()
    by_query = {c.number for c in await (Case.filter(q) if q is not None else Case.all())}
    by_covers = {c.number for c in await Case.all() if scope.covers(c)}
    assert by_query == by_covers  # the filter and the check on a loaded case agree
    return by_query


async def test_each_role_sees_its_cases(backend, db):
    await district()
    garbage = await report("garbage", at=IN_G01)  # the grid's; the department is whistled to
    road = await report("road_damage", at=IN_G02)  # the department's
    sewer = await report("sewer", at=IN_G01)  # the property's (明珠小区)
    assert (road.responsible, garbage.responsible) == ("department", "grid")
    # Each demo grid worker deputises the other's grid (G01 <-> G02).
    assert await _seen(G01) == await _seen(G02) == {garbage.number, sewer.number, road.number}
    assert await _seen(DEPT) == {road.number}  # not the cases it could be whistled to
    assert await _seen(PROP) == {garbage.number, sewer.number}  # its compound's cases
    assert await _seen(ADMIN) == {garbage.number, road.number, sewer.number}
    # Without the deputy, G01's worker sees G01 only.
    await Grid.filter(code="G02").update(deputy_openid=None)
    assert await _seen(G01) == {garbage.number, sewer.number}
    # A resident has no console scope at all.
    assert await scope_of(await Person.get(openid="o-res")) is None
