"""Demo data for ``make run`` / ``linli demo-data``: idempotent, safe to load twice.

Each domain adds its part to LOADERS: people, the street and categories, wishes, rewards, and
随手拍 cases in every state (the console's charts need some history).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.geo.demo import load_geo_demo
from handlers.points.demo import load_rewards
from handlers.reports.demo import load_demo_cases
from handlers.wishes.demo import load_wishes
from storage.core.models import Person, Role

# openid, role, name, grid, org
PEOPLE = [
    ("demo-admin", Role.ADMIN, "张丽", None, "南湖街道 · 繁荣社区"),
    ("demo-grid-g01", Role.GRID_WORKER, "王梦苏", "G01", None),
    ("demo-grid-g02", Role.GRID_WORKER, "李建国", "G02", None),
    ("demo-property", Role.PROPERTY_MANAGER, "赵红梅", None, "长春万科物业 · 明珠小区"),
    ("demo-department", Role.DEPARTMENT, "刘强", None, "朝阳区市容环境卫生局"),
    ("demo-volunteer", Role.VOLUNTEER, "陈晓", None, None),
    ("demo-resident", Role.RESIDENT, "周大妈", None, None),
]


async def load_people() -> str:
    for openid, role, name, grid, org in PEOPLE:
        await Person.update_or_create(
            openid=openid, defaults={"role": role, "name": name, "grid": grid, "org": org})
    return f"{len(PEOPLE)} people (staff openids start with demo-)"


LOADERS: list[Callable[[], Awaitable[str]]] = [load_people, load_geo_demo, load_wishes,
                                                 load_rewards, load_demo_cases]


async def load_demo_data(*, cases: bool = True) -> list[str]:
    """Every loader; ``cases=False`` leaves out the demo cases (tests that make their own)."""
    return [await loader() for loader in LOADERS if cases or loader is not load_demo_cases]
