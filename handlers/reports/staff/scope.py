"""Which cases a staff member may see in the web console (指挥中心): the same rules as chat.

- a grid worker: the cases of their grid, and of the grids they deputise (网格员 B角);
- a property manager: the cases of the compounds their organisation manages;
- a department: the cases its organisation answers for (``Case.department`` while the
  department is responsible: a category's department is on every case of it, for 吹哨);
- a community admin (``Community.admin_openid``): the cases of those communities;
- a street admin (an admin who administers no community): every case;
- everyone: the cases assigned to them.

Anything outside the scope does not exist for the viewer (the console answers 404).
``Scope.q()`` is the filter for ``Case`` queries; ``Scope.q("case__")`` for queries of rows
that belong to a case (its events). Residents and volunteers have no scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q

from storage.core.models import Person, Role
from storage.geo.models import Community, Compound, Grid
from storage.reports.models import Case


@dataclass(frozen=True)
class Scope:
    openid: str
    role: Role
    everything: bool = False  # a street admin
    grids: frozenset[str] = frozenset()
    communities: frozenset[str] = frozenset()  # administered (a community admin)
    compounds: frozenset[str] = frozenset()  # managed by the person's property organisation
    departments: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        """A community or street admin: may steer cases (督办, 派单…) and read the audit."""
        return self.role is Role.ADMIN

    @property
    def is_street(self) -> bool:
        return self.role is Role.ADMIN and self.everything

    def q(self, prefix: str = "") -> Q | None:
        """The filter of the cases in scope (``prefix`` for a related case); None: all."""
        if self.everything:
            return None
        scope = Q(**{f"{prefix}assignee_openid": self.openid})
        for field, values in ((f"{prefix}grid_code__in", self.grids),
                              (f"{prefix}community_code__in", self.communities),
                              (f"{prefix}compound_code__in", self.compounds)):
            if values:
                scope |= Q(**{field: sorted(values)})
        if self.departments:
            scope |= Q(**{f"{prefix}department__in": sorted(self.departments),
                          f"{prefix}responsible": "department"})
        return scope

    def covers(self, case: Case) -> bool:
        """Whether ``case`` is in scope (the same rule as ``q``, on a loaded case)."""
        return (self.everything or case.assignee_openid == self.openid
                or case.grid_code in self.grids or case.community_code in self.communities
                or case.compound_code in self.compounds
                or (case.department in self.departments and case.responsible == "department"))

    def communities_seen(self) -> frozenset[str] | None:
        """The communities whose audit entries this admin reads; None: every community."""
        return None if self.everything else self.communities


async def scope_of(person: Person) -> Scope | None:
    """The console scope of ``person``; None for residents and volunteers."""
    role = person.role
    if not role.is_staff:
        return None
    if role is Role.ADMIN:
        administered = frozenset(await Community.filter(admin_openid=person.openid)
                                 .values_list("code", flat=True))
        return Scope(person.openid, role, everything=not administered,
                     communities=administered)
    grids = set(await Grid.filter(deputy_openid=person.openid).values_list("code", flat=True))
    compounds: set[str] = set()
    departments: set[str] = set()
    if role is Role.GRID_WORKER and person.grid:
        grids.add(person.grid)
    if role is Role.PROPERTY_MANAGER and person.org:
        compounds = set(await Compound.filter(property_org=person.org)
                        .values_list("code", flat=True))
    if role is Role.DEPARTMENT and person.org:
        departments = {person.org}
    return Scope(person.openid, role, grids=frozenset(grids), compounds=frozenset(compounds),
                 departments=frozenset(departments))


async def may_view(case: Case, person: Person) -> bool:
    scope = await scope_of(person)
    return scope is not None and scope.covers(case)
