"""Who may act on a case as staff, and how staff are named to residents.

The assigned person, the grid workers and the deputy of the case's grid, the property
managers of its compound while the property is responsible, the responsible department's
staff, and admins. Residents never: staff flows are closed to them by role.
"""

from __future__ import annotations

from handlers import texts
from storage.core.models import Person, Role
from storage.geo.models import Grid
from storage.reports.models import Case


async def may_act(case: Case, person: Person) -> bool:
    role = person.role
    if not role.is_staff:
        return False
    if role is Role.ADMIN or case.assignee_openid == person.openid:
        return True
    if role is Role.GRID_WORKER and case.grid_code and person.grid == case.grid_code:
        return True
    if role is Role.PROPERTY_MANAGER and person.org and case.responsible == "property":
        return person.org == case.property_org
    if role is Role.DEPARTMENT and person.org and case.responsible == "department":
        return person.org == case.department
    if case.grid_code:  # the grid's deputy (网格员 B角) covers for its workers
        return await Grid.filter(code=case.grid_code, deputy_openid=person.openid).exists()
    return False


def actor_name(person: Person) -> str:
    role = texts.ROLE_NAMES.get(person.role.value, "")
    return f"{role} {person.name}".strip() if person.name else role
