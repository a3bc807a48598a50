"""Helpers shared by the 随手拍 staff, service and SLA tests (no tests here).

The demo street (handlers/geo/data/demo_street.geojson): 43.8860 N 125.3180 E is in grid G01
and 明珠小区 (长春万科物业 · 明珠小区); building B13-1 is in G02. The community 繁荣社区's
admin is ``demo-admin``; G01's deputy is ``demo-grid-g02``.
"""

from __future__ import annotations

from handlers.geo.demo import load_geo_demo
from handlers.reports.service.cases import submit_case
from storage.core.models import OutboxMessage, Person, Role
from storage.reports.models import Case

IN_G01 = (43.8860, 125.3180)
IN_G02 = (43.8838, 125.3175)  # building B13-1
PROPERTY_ORG = "长春万科物业 · 明珠小区"
ROADS = "朝阳区市政设施维护中心"  # the department of road_damage / manhole_cover

G01, G02, ADMIN, PROP, DEPT, RES, RES2 = ("demo-grid-g01", "demo-grid-g02", "demo-admin",
                                          "o-prop", "o-dept", "o-res", "o-res2")


async def district() -> None:
    """The demo geography and taxonomy, and its staff."""
    await load_geo_demo()
    for openid, role, name, grid, org in [
            (G01, Role.GRID_WORKER, "王梦苏", "G01", None),
            (G02, Role.GRID_WORKER, "李建国", "G02", None),
            (ADMIN, Role.ADMIN, "张丽", None, "南湖街道 · 繁荣社区"),
            (PROP, Role.PROPERTY_MANAGER, "赵红梅", None, PROPERTY_ORG),
            (DEPT, Role.DEPARTMENT, "刘强", None, ROADS),
            (RES, Role.RESIDENT, "周大妈", None, None),
            (RES2, Role.RESIDENT, "孙大爷", None, None)]:
        await Person.create(openid=openid, role=role, name=name, grid=grid, org=org)


async def report(category: str = "garbage", at: tuple[float, float] = IN_G01,
                 reporter: str = RES, media_ids: list[str] | None = None,
                 building: str | None = None, description: str = "楼下垃圾堆了三天") -> Case:
    return await submit_case(reporter_openid=reporter, category_code=category,
                             description=description, lat=at[0] if at else None,
                             lng=at[1] if at else None, address="人民大街 5588 号",
                             building_code=building, media_ids=media_ids or [])


async def pushed(openid: str) -> list[str]:
    rows = await OutboxMessage.filter(openid=openid, kind="text").order_by("id")
    return [row.payload["text"] for row in rows]


async def fresh(case: Case) -> Case:
    return await Case.get(id=case.id)
