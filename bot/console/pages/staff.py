"""人员 ``/console/staff``: staff with their roles, grids and last activity; invitations; withdrawing.

Admins only (anyone else: 404). An invitation is ``handlers.staff.create_invite`` - what
``linli staff invite`` prints: the 6-digit code is shown once, on the page the form answers
with, and never again (only its hash is stored). Withdrawing a role is
``handlers.staff.withdraw_role``: the person becomes a resident and every session of theirs
ends. Only a street admin invites or withdraws admins. Both are audited.
"""

from __future__ import annotations

from aiohttp import web
from tortoise.transactions import in_transaction

from bot import keys
from bot.console import session
from bot.console import texts as t
from bot.console.forms import back, claim_form, posted_form, release_form
from bot.console.render import not_found, page
from handlers import audit, staff
from handlers.errors import Refusal
from handlers.geo import known
from handlers.texts import ROLE_NAMES
from storage.core.models import Role
from storage.geo.models import Grid

HOME = "/console/staff"
ROLE_ORDER = (Role.GRID_WORKER, Role.PROPERTY_MANAGER, Role.DEPARTMENT, Role.ADMIN)


async def _page(request: web.Request, viewer: session.Viewer, *, invited: dict | None = None,
                values: dict[str, str] | None = None, error: str = "",
                status: int = 200) -> web.Response:
    return page(request, viewer, "staff.html", status=status, staff=await staff.staff_list(),
                roles=[(r.value, ROLE_NAMES[r.value]) for r in ROLE_ORDER],
                grids=await Grid.all().order_by("code"), orgs=await known.org_names(),
                invited=invited, values=values or {}, error=error)


async def staff_page(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    if not viewer.scope.is_admin:
        return not_found(request, viewer)
    return await _page(request, viewer)


def _invitation(form: dict[str, str]) -> tuple[Role, str, str | None, str | None]:
    """The form as ``create_invite``'s arguments; Refusal (Chinese) when one is missing."""
    raw = form.get("role", "")
    role = Role(raw) if raw in {r.value for r in Role if r.is_staff} else None
    if role is None:
        raise Refusal(t.INVITE_BAD_ROLE)
    name = form.get("name", "").strip()[:64]
    if not name:
        raise Refusal(t.INVITE_NEED_NAME)
    grid = form.get("grid", "").strip()[:32] or None
    if role is Role.GRID_WORKER and not grid:
        raise Refusal(t.INVITE_NEED_GRID)
    org = form.get("org", "").strip()[:64] or None
    return role, name, grid if role is Role.GRID_WORKER else None, org


async def staff_invite(request: web.Request) -> web.StreamResponse:
    viewer, form = await posted_form(request)
    if not viewer.scope.is_admin:
        return not_found(request, viewer)
    try:
        role, name, grid, org = _invitation(form)
        await staff.may_manage(viewer.person, role)
    except Refusal as refused:
        return await _page(request, viewer, values=form, error=refused.reply, status=400)
    once = await claim_form(request, viewer, form, HOME)
    try:
        async with in_transaction():
            code = await staff.create_invite(role, name, grid=grid, org=org,
                                             created_by=viewer.openid)
            await audit.record(viewer.openid, "staff_invite", target=role.value,
                               detail=f"{name} grid={grid or '-'} org={org or '-'}",
                               ip=session.client_ip(request))
    except staff.InviteError as refused:
        await release_form(request, viewer, once)
        return await _page(request, viewer, values=form, error=str(refused), status=400)
    return await _page(request, viewer, invited={"code": code, "name": name,
                                                 "role": ROLE_NAMES[role.value],
                                                 "grid": grid, "org": org})


async def staff_withdraw(request: web.Request) -> web.StreamResponse:
    viewer, form = await posted_form(request)
    if not viewer.scope.is_admin:
        return not_found(request, viewer)
    once = await claim_form(request, viewer, form, HOME)
    kv = request.config_dict[keys.KV_STORE]
    openid = form.get("openid", "").strip()[:64]
    try:
        async with in_transaction():
            before = await staff.withdraw_role(openid, viewer.person, kv)
            await audit.record(viewer.openid, "staff_withdraw", target=openid,
                               detail=f"{before.name} {before.role.value} "
                                      f"grid={before.grid or '-'} org={before.org or '-'}",
                               ip=session.client_ip(request))
    except Refusal as refused:
        await release_form(request, viewer, once)
        raise back(HOME, err=refused.reply) from None
    raise back(HOME, msg=t.WITHDRAWN.format(name=before.name or openid,
                                             role=ROLE_NAMES[before.role.value]))
