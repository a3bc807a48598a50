"""Getting into the web console (指挥中心) without a password: one-time sign-in links.

A staff member sends ``后台`` in chat (or an operator runs ``linli console link OPENID``) and
gets ``/console/login?t=<token>``. Only the token's SHA-256 is stored (``ConsoleLink``, in the
database, so a link the CLI prints works against a running ``linli serve``); a link lasts
``LINK_TTL`` and is used once: redeeming is one guarded update (``used_at`` still empty, not
expired), so of two redemptions at once exactly one wins. A person who stopped being staff
after the link was made gets nothing from it. Links long dead are pruned as new ones are made.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from handlers import texts
from handlers.context import Context
from handlers.flows import Step, command, done
from storage import clock
from storage.core.models import Person
from storage.core.models.console import ConsoleLink

LINK_TTL = timedelta(minutes=5)
# Links expired (used or not) this long ago are deleted when a new link is made.
KEEP_EXPIRED = timedelta(days=1)
MAX_TOKEN = 128
DEFAULT_BASE_URL = "http://127.0.0.1:8080"  # ``linli serve``'s own address
LOGIN_PATH = "/console/login"


class NotStaff(Exception):
    """No person with this openid, or not staff."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(base_url: str, token: str) -> str:
    """The sign-in address: ``<base>/console/login?t=<token>``."""
    return f"{base_url.rstrip('/')}{LOGIN_PATH}?t={token}"


def base_url(public_url: str) -> str:
    """Where the console is reached: ``LINLI_PUBLIC_URL``, else ``linli serve``'s default."""
    return public_url.rstrip("/") or DEFAULT_BASE_URL


async def _staff(openid: str) -> Person | None:
    person = await Person.get_or_none(openid=openid) if openid else None
    return person if person is not None and person.role.is_staff else None


async def create_link(openid: str) -> str:
    """A new one-time sign-in token for staff member ``openid`` (shown once); NotStaff
    when there is no such staff member."""
    if await _staff(openid) is None:
        raise NotStaff(openid)
    now = clock.now()
    await ConsoleLink.filter(expires_at__lt=now - KEEP_EXPIRED).delete()
    token = secrets.token_urlsafe(32)
    await ConsoleLink.create(token_hash=_hash(token), openid=openid, expires_at=now + LINK_TTL)
    return token


async def redeem(token: str) -> Person | None:
    """The staff member the link is for, using it up; None for a token that is unknown,
    expired or already used, or whose person is no longer staff."""
    if not token or len(token) > MAX_TOKEN:
        return None
    now = clock.now()
    link = await ConsoleLink.get_or_none(token_hash=_hash(token))
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    won = await ConsoleLink.filter(id=link.id, used_at=None, expires_at__gt=now).update(
        used_at=now)
    if won != 1:
        return None  # redeemed a moment ago by someone else
    return await _staff(link.openid)


# -- 后台 in chat ------------------------------------------------------------------------------


async def console_link(ctx: Context) -> Step:
    """``后台``: a staff member's one-time link to the console. It is not a resident's
    command: they get the usual reply to a text nothing takes (the console is not theirs)."""
    if not ctx.person.role.is_staff:
        return done(texts.UNKNOWN.format(text=ctx.msg.text[:20]))
    try:
        token = await create_link(ctx.person.openid)
    except NotStaff:  # the role was withdrawn a moment ago
        return done(texts.CONSOLE_NOT_STAFF)
    url = link_url(base_url(ctx.services.public_url), token)
    return done(texts.CONSOLE_LINK.format(url=url, minutes=int(LINK_TTL.total_seconds() // 60)))


FLOWS = [
    command("console", console_link, "后台"),
]
