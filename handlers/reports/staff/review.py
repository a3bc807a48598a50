"""核查: where a category or a community requires it, a resolution is reviewed by someone other
than the person who resolved it before the resident is asked to confirm.

``service.resolve`` moves such a case to REVIEWING (``resolve_review``) and tells the
reviewers here; ``steer.review`` approves it (``review_ok`` -> RESOLVED, the resident asked)
or sends it back (``review_back`` -> IN_PROGRESS). Reviewers are told: the community's admin,
else the grid's deputy (网格员 B角), else the admins; never the resolver.

``resolved_at`` is the resolver's time (the resolve SLA measures the handler, and the SLA
sweep leaves a case under review alone); a send-back clears it, approval keeps it and starts
the resident's 72 hours (``confirm_due_at``).
"""

from __future__ import annotations

from handlers.reports import routing
from handlers.reports.staff import notify as staff_notify
from handlers.reports.staff import texts as t
from handlers.reports.staff.auth import actor_name
from storage.core.models import Person, Role
from storage.geo.models import Category, Community, Grid
from storage.reports.models import Case, CaseEvent

RESOLUTIONS = ("resolve", "resolve_review")  # the history rows of a resolution


def needs_review(case: Case, category: Category | None, community: Community | None) -> bool:
    """Whether a resolution of ``case`` waits for 核查: its category's or community's flag."""
    return bool((category is not None and category.review_required)
                or (community is not None and community.review_required))


async def required(case: Case) -> bool:
    category = await Category.get_or_none(code=case.category_code)
    community = (await Community.get_or_none(code=case.community_code)
                 if case.community_code else None)
    return needs_review(case, category, community)


async def last_resolution(case: Case) -> CaseEvent | None:
    """The latest resolution's history row (who resolved it, with their note)."""
    return await CaseEvent.filter(case_id=case.id, action__in=RESOLUTIONS).order_by(
        "-at", "-id").first()


async def reviewers(case: Case, resolver: str) -> list[str]:
    """Who is asked to review: the community admin, else the grid's deputy, else the admins;
    never the resolver."""
    admin = await routing.community_admin(case.community_code)
    if admin and admin != resolver:
        return [admin]
    if case.grid_code:
        grid = await Grid.get_or_none(code=case.grid_code)
        if grid and grid.deputy_openid and grid.deputy_openid != resolver:
            return [grid.deputy_openid]
    return [o for o in await Person.filter(role=Role.ADMIN).order_by("id")
            .values_list("openid", flat=True) if o != resolver]


async def ask(case: Case, event_id: int, resolver: Person, note: str) -> None:
    """Tell the reviewers that ``case`` waits for 核查, with the after-photo."""
    who = await reviewers(case, resolver.openid)
    photos = await staff_notify.photo_text(case, staff_notify.AFTER,
                                           template=t.AFTER_PHOTO_SENDING)
    text = await staff_notify.fill(case, t.REVIEW_ASK, by=actor_name(resolver),
                                   note=note or "-", photos=photos)
    await staff_notify.tell(case, event_id, who, text)
    await staff_notify.send_photos(case, who, kind=staff_notify.AFTER)
