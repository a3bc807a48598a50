"""Changing requests of the console: posted forms, their one-time field, the way back.

Every form carries the session's CSRF token (checked by ``session.form_of``) and a one-time
field ``once``, rendered fresh with each page. ``claim_form`` takes it in Redis before the
action runs, so a double click or a replayed form acts once; ``release_form`` gives it back
when the use case refused (nothing changed), so the corrected form may be sent again. The
answer is a redirect back to the page with ``?msg=`` or ``?err=`` (shown by the layout).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from aiohttp import web

from bot import keys
from bot.console import session
from bot.console import texts as t
from storage import console_sessions

ONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def back(path: str, *, msg: str = "", err: str = "") -> web.HTTPSeeOther:
    """A redirect to ``path`` telling what happened (``msg``) or what was refused (``err``)."""
    query = f"msg={quote(msg)}" if msg else f"err={quote(err)}"
    return web.HTTPSeeOther(f"{path}?{query}")


async def posted_form(request: web.Request) -> tuple[session.Viewer, dict[str, str]]:
    """The signed-in viewer and their posted form, after the cross-site checks."""
    viewer = await session.viewer(request)
    return viewer, await session.form_of(request, viewer)


async def claim_form(request: web.Request, viewer: session.Viewer, form: dict[str, str],
                     path: str, *, required: bool = True) -> str:
    """Claim the form's one-time field and return it; a redirect to ``path`` when it is
    already used, or missing (a page from before the field existed: reload it) where
    ``required`` (ledger and staff forms; a case's actions accept a scripted post without
    it, whose history shows every action anyway)."""
    once = form.get("once", "")
    if not once and not required:
        return ""
    if not ONCE.fullmatch(once):
        raise back(path, err=t.FORM_EXPIRED)
    if not await console_sessions.claim_form(request.config_dict[keys.KV_STORE],
                                             viewer.openid, once):
        raise back(path, msg=t.ALREADY_DONE)
    return once


async def release_form(request: web.Request, viewer: session.Viewer, once: str) -> None:
    """The action was refused and changed nothing: the same form may be sent again."""
    await console_sessions.release_form(request.config_dict[keys.KV_STORE], viewer.openid, once)
