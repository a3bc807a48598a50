"""Who answers for a case: the grid's worker, the compound's property managers or the
category's department, with the grid deputy, the community admin and any admin behind them.

Pure look-ups (no writes); the callers (``service.cases.dispatch``, ``staff.service.transfer``)
write what they decide. The facts they read - the staff (role, grid, org, name), the
compounds' property orgs, the communities' admins, the grids' deputies - are kept in process
while the reference facts' version stays the same (``storage.facts``: database triggers bump
it whenever one of them changes, whoever changes it), so routing a case sends no query.
``using_db`` is accepted for the callers' sake; the version is read on the connection of the
transaction around the caller, so a change made in it is seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from handlers.geo import atlas
from storage import readonce
from storage.core.models import Person, Role
from storage.core.models.people import STAFF_ROLES
from storage.facts import Cached
from storage.geo.models import Category, Responsible
from storage.reports.models import Case


@dataclass(frozen=True)
class Staff:
    """A staff member's routing facts (what ``Person`` holds of them)."""

    openid: str
    role: Role
    name: str
    grid: str | None
    org: str | None


async def _load_staff() -> tuple[Staff, ...]:
    rows = await Person.filter(role__in=list(STAFF_ROLES)).order_by("id").values_list(
        "openid", "role", "name", "grid", "org")
    return tuple(Staff(openid, Role(role), name, grid, org)
                 for openid, role, name, grid, org in rows)


_staff = Cached(_load_staff)


async def staff_member(openid: str | None) -> Staff | None:
    """The staff member with this openid (None for anyone else)."""
    return next((s for s in await _staff.get() if s.openid == openid), None) if openid else None


@dataclass
class Assignment:
    responsible: str  # grid | property | department
    assignee: str | None  # who must act now
    department: str | None = None
    property_org: str | None = None
    others: list[str] = field(default_factory=list)  # the same party's other people
    copies: list[str] = field(default_factory=list)  # told for information (the grid worker)
    label: str = ""  # who it went to, in words (for history and replies)


async def _openids(using_db: Any = None, *, role: Role, **match: str) -> list[str]:
    """The staff of ``role`` whose fields equal ``match`` (grid=, org=), oldest first."""
    return [s.openid for s in await _staff.get()
            if s.role is role and all(getattr(s, k) == v for k, v in match.items())]


async def grid_workers(grid: str | None, using_db: Any = None) -> list[str]:
    return await _openids(using_db, role=Role.GRID_WORKER, grid=grid) if grid else []


async def property_managers(org: str | None, using_db: Any = None) -> list[str]:
    return await _openids(using_db, role=Role.PROPERTY_MANAGER, org=org) if org else []


async def department_staff(department: str | None, using_db: Any = None) -> list[str]:
    return await _openids(using_db, role=Role.DEPARTMENT, org=department) if department else []


async def compound_org(compound: str | None, using_db: Any = None) -> str | None:
    if not compound:
        return None
    row = (await atlas.current()).compounds.get(compound)
    return row.property_org if row else None


async def supervisors(case: Case, using_db: Any = None) -> list[str]:
    """Who hears escalations: the grid's deputy, else the community admin, else all admins."""
    if case.grid_code:
        grid = (await atlas.current()).grids.get(case.grid_code)
        if grid and grid.deputy_openid:
            return [grid.deputy_openid]
    admin = await community_admin(case.community_code, using_db)
    return [admin] if admin else await _openids(using_db, role=Role.ADMIN)


async def community_admin(community: str | None, using_db: Any = None) -> str | None:
    if not community:
        return None
    row = (await atlas.current()).communities.get(community)
    return row.admin_openid if row and row.admin_openid else None


async def grid_fallback(case: Case, using_db: Any = None) -> Assignment:
    """The grid worker; without one, the community admin (or any admin)."""
    workers = await grid_workers(case.grid_code, using_db)
    if workers:
        return Assignment("grid", workers[0], others=workers[1:],
                          label=f"网格 {case.grid_code} 网格员")
    admin = await community_admin(case.community_code, using_db)
    admins = [admin] if admin else await _openids(using_db, role=Role.ADMIN)
    return Assignment("grid", admins[0] if admins else None, others=admins[1:],
                      label="社区管理员")


async def to_property(case: Case, using_db: Any = None) -> Assignment | None:
    org = case.property_org or await compound_org(case.compound_code, using_db)
    managers = await property_managers(org, using_db)
    if not org or not managers:
        return None
    return Assignment("property", managers[0], property_org=org, others=managers[1:],
                      label=f"物业（{org}）")


async def to_department(case: Case, department: str | None, using_db: Any = None
                        ) -> Assignment | None:
    people = await department_staff(department, using_db)
    if not department or not people:
        return None
    return Assignment("department", people[0], department=department, others=people[1:],
                      label=department)


async def assign(case: Case, category: Category, using_db: Any = None) -> Assignment:
    """Where a new case goes, per the category's responsible party; the grid as fallback
    (the facts' version read once for it all)."""
    with readonce.scope():
        return await _assign(case, category, using_db)


async def _assign(case: Case, category: Category, using_db: Any = None) -> Assignment:
    found: Assignment | None = None
    if category.responsible is Responsible.PROPERTY:
        found = await to_property(case, using_db)
    elif category.responsible is Responsible.DEPARTMENT:
        found = await to_department(case, category.department, using_db)
    if found is None:
        found = await grid_fallback(case, using_db)
        found.property_org = await compound_org(case.compound_code, using_db)
    found.department = found.department or category.department
    if found.responsible != "grid":  # the grid worker keeps an eye on what happens there
        found.copies += [w for w in await grid_workers(case.grid_code, using_db)
                         if w != found.assignee]
    return found
