"""Binding staff to their role with one-time invitation codes (``绑定 123456``)."""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from datetime import timedelta

from handlers import guesses, texts
from handlers.context import Context
from handlers.errors import Refusal
from handlers.flows import Step, command, done
from handlers.geo import known
from handlers.normalize import normalize
from storage import clock, console_sessions, sessions
from storage.core.models import Person, Role, StaffInvite
from storage.geo.models import Community, Grid
from storage.kv import KV

log = logging.getLogger(__name__)

INVITE_TTL = timedelta(hours=24)
# Wrong (or expired) codes: 5 an hour per person, and 30 in 10 minutes across everyone, after
# which every binding waits for the window to end (handlers.guesses.BIND_PERSON, BIND_GLOBAL).
BIND_CAPS = (guesses.BIND_PERSON, guesses.BIND_GLOBAL)


class InviteError(ValueError):
    pass


def _hash(code: str) -> str:
    return hashlib.sha256(f"linli-invite:{code}".encode()).hexdigest()


async def create_invite(role: Role, name: str, grid: str | None = None, org: str | None = None,
                        created_by: str = "cli", ttl: timedelta = INVITE_TTL) -> str:
    """Make a 6-digit code valid for ``ttl``; only its hash is stored."""
    if role is Role.RESIDENT:
        raise InviteError("residents need no invitation")
    if role is Role.GRID_WORKER and not grid:
        raise InviteError("a grid worker needs --grid")
    if not name.strip():
        raise InviteError("--name is required")
    try:  # an unknown grid or organisation is refused, naming what exists
        grid = await known.check_grid(grid) if grid else grid
        org = await known.check_org(org) if org else org
    except known.UnknownName as exc:
        raise InviteError(str(exc)) from None
    now = clock.now()
    for _ in range(20):
        code = f"{secrets.randbelow(1_000_000):06d}"
        clash = await StaffInvite.filter(code_hash=_hash(code), used_at=None,
                                         expires_at__gt=now).exists()
        if not clash:
            await StaffInvite.create(code_hash=_hash(code), role=role, name=name.strip(),
                                     grid=grid, org=org, created_by=created_by,
                                     expires_at=now + ttl)
            return code
    raise InviteError("could not find a free code; try again")


async def bind(ctx: Context) -> Step:
    code = normalize(ctx.arg).replace(" ", "")
    if not code:
        return done(texts.BIND_NEED_CODE)
    if not (len(code) == 6 and code.isdigit()):
        return done(texts.BIND_BAD_FORMAT)
    try:
        async with guesses.attempt(ctx.kv, ctx.person.openid, *BIND_CAPS) as guess:
            reply, refusal = await _bind(ctx, code)
            guess.wrong = refusal in (texts.BIND_WRONG, texts.BIND_EXPIRED)
    except guesses.Locked as locked:
        if locked.cap is guesses.BIND_PERSON:
            return done(texts.BIND_TOO_MANY)
        await _note_live_invite(code)
        return done(texts.BIND_PAUSED.format(minutes=math.ceil(locked.retry_after / 60)))
    return done(reply)


async def _bind(ctx: Context, code: str) -> tuple[str, str | None]:
    """Use the invitation of ``code``: the reply, and the refusal if it was refused."""
    now = clock.now()
    async with ctx.effect() as record:
        invite = await StaffInvite.filter(code_hash=_hash(code)).order_by("-created_at").first()
        refusal = None
        if invite is None:
            refusal = texts.BIND_WRONG
        elif invite.used_at is not None:
            refusal = texts.BIND_USED
        elif invite.expires_at <= now:
            refusal = texts.BIND_EXPIRED
        elif not await StaffInvite.filter(id=invite.id, used_at=None).update(
                used_at=now, used_by=ctx.person.openid):
            refusal = texts.BIND_USED  # someone else used it a moment ago
        if refusal is None:
            person = ctx.person
            person.role, person.name = invite.role, invite.name
            person.grid, person.org = invite.grid, invite.org
            await person.save(update_fields=["role", "name", "grid", "org", "updated_at"])
            scope = f"（网格 {invite.grid}）" if invite.grid else (
                f"（{invite.org}）" if invite.org else "")
            record.reply = texts.BIND_OK.format(
                name=invite.name, role=texts.ROLE_NAMES[invite.role.value], scope=scope)
        else:
            record.reply = refusal
    return record.reply, refusal


async def _note_live_invite(code: str) -> None:
    """Binding is paused for everyone: the reply says nothing about the code, and the code
    is not used. If it is a live invitation's, it may have been guessed (or the invitee is
    unlucky): tell the operators which one, so they can reissue it."""
    invite = await StaffInvite.filter(code_hash=_hash(code), used_at=None,
                                      expires_at__gt=clock.now()).first()
    if invite is not None:
        log.warning("binding is paused after too many wrong codes, and the code of live "
                    "invitation %s (%s) was tried: consider reissuing it",
                    invite.id, invite.role.value)


FLOWS = [
    command("bind", bind, "绑定", arg="optional"),
]


async def staff_list() -> list[Person]:
    return await Person.filter(role__in=[r for r in Role if r.is_staff]).order_by("role", "name")


class StaffRefusal(Refusal):
    code = "not_allowed"


async def may_manage(by: Person, role: Role | None = None) -> None:
    """Refuse (StaffRefusal) unless ``by`` may invite or withdraw staff of ``role``: admins
    manage staff; only a street admin (who administers no community) manages admins."""
    if by.role is not Role.ADMIN:
        raise StaffRefusal(texts.STAFF_ADMINS_ONLY)
    if role is Role.ADMIN and await Community.filter(admin_openid=by.openid).exists():
        raise StaffRefusal(texts.STREET_ADMIN_ONLY)


async def withdraw_role(openid: str, by: Person, kv: KV) -> Person:
    """Make a member of staff a resident again (撤销角色): their grid, organisation and
    deputising go, and every console and mini-program session of theirs ends. Returns the
    person as they were. StaffRefusal when ``by`` may not, or ``openid`` is no staff."""
    person = await Person.get_or_none(openid=openid)
    if person is None or not person.role.is_staff:
        raise StaffRefusal(texts.WITHDRAW_NOT_STAFF)
    if person.openid == by.openid:
        raise StaffRefusal(texts.WITHDRAW_SELF)
    await may_manage(by, person.role)
    before = Person(openid=person.openid, role=person.role, name=person.name,
                    grid=person.grid, org=person.org)
    person.role, person.grid, person.org = Role.RESIDENT, None, None
    await person.save(update_fields=["role", "grid", "org", "updated_at"])
    await Grid.filter(deputy_openid=openid).update(deputy_openid=None)
    await Community.filter(admin_openid=openid).update(admin_openid=None)
    await console_sessions.revoke_all(kv, openid)
    await sessions.revoke_all(kv, openid)
    log.info("staff role %s withdrawn from person %s", before.role.value, person.id)
    return before
