"""心愿 ``/console/wishes``: 微心愿 for staff - the review queue (通过 / 退回), every wish by
state, the running claims with their time left, a wish's page with its history, posting a wish
on behalf of an elder (代发), and the volunteers with what they fulfilled.

The scope is the chat's (``handlers.wishes.access.involved``, ``queries.seen_by``): an admin
sees every wish and alone moderates (通过 and 退回 are admins' commands in chat); a grid worker
sees the wishes of their grid and those they posted or claimed; other staff only the wishes
they are part of. A wish outside the scope does not exist (404). The beneficiary's name,
address and phone go to the volunteer holding the active claim only, as in chat: everyone else
reads the name masked, the address down to the building and no phone; a claim holder's view of
them is audited (view_private). 通过/退回 and 代发 call the chat's use cases
(``handlers.wishes.service.posting``) in one transaction with their audit entry.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import quote

from aiohttp import web
from tortoise.transactions import in_transaction

from bot import keys
from bot.console import session
from bot.console import texts as t
from bot.console.forms import back, claim_form, posted_form, release_form
from bot.console.pages.cases import choices
from bot.console.pages.intake import MAX_PHOTO_BYTES
from bot.console.render import not_found, page
from handlers import audit, photos
from handlers import texts as common_texts
from handlers.errors import Refusal
from handlers.masking import mask_name
from handlers.wishes import queries
from handlers.wishes import texts as wish_texts
from handlers.wishes.access import holds_claim, involved
from handlers.wishes.errors import BadInput, UnknownWish
from handlers.wishes.parse import wish_number
from handlers.wishes.service import posting
from storage import clock, console_sessions
from storage.core.models import Person, Wish, WishEvent, WishKind, WishStatus

ORDER = (WishStatus.SUBMITTED, WishStatus.OPEN, WishStatus.CLAIMED, WishStatus.FULFILLED,
         WishStatus.CONFIRMED, WishStatus.CLOSED, WishStatus.REJECTED, WishStatus.CANCELLED)
PER_PAGE = 50
QUEUE_SHOWN = 100
ACTIONS = ("approve", "reject")
MACHINE = {"scheduler": t.WISH_SYSTEM, "cli": t.WISH_CLI}
NAMES = {"kind_names": wish_texts.KIND_NAMES, "status_names": wish_texts.STATUS_NAMES}


def _may_post(viewer: session.Viewer) -> bool:
    """代发: grid workers and admins post on behalf of someone, as in chat (许愿)."""
    return viewer.person.role in posting.POSTING_FOR_OTHERS


def time_left(wish: Wish, now: datetime) -> str:
    """How long the running claim has left, in days and hours (hours and minutes at the end)."""
    if wish.claim_expires_at is None:
        return ""
    seconds = (wish.claim_expires_at - now).total_seconds()
    if seconds <= 0:
        return t.CLAIM_OVER
    days, minutes = divmod(int(seconds // 60), 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return t.CLAIM_LEFT_DAYS.format(days=days, hours=hours)
    return t.CLAIM_LEFT_HOURS.format(hours=hours, minutes=minutes)


def _page_number(raw: str) -> int:
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 10_000 else 1


def _person_name(person: Person | None) -> str:
    """Staff by role and name; anyone else masked (周**), as chat shows people to others."""
    if person is None:
        return t.WISH_RESIDENT
    if person.role.is_staff:
        return f"{common_texts.ROLE_NAMES.get(person.role.value, '')} {person.name}".strip()
    return mask_name(person.name) or t.WISH_RESIDENT


def _actor(openid: str, people: dict[str, Person], volunteers: dict[str, str]) -> str:
    if openid in MACHINE:
        return MACHINE[openid]
    if openid in volunteers:  # the programme's volunteers are named to staff (the bulletin)
        return volunteers[openid]
    return _person_name(people.get(openid))


async def wishes_page(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    seen = queries.seen_by(viewer.person)
    counts = await queries.status_counts(seen)
    status = request.query.get("status", "")
    if status not in {s.value for s in WishStatus}:
        status = ""
    number = _page_number(request.query.get("page", ""))
    listed = seen.filter(status=status) if status else seen
    total = counts[WishStatus(status)] if status else sum(counts.values())
    rows = await listed.order_by("-id").offset((number - 1) * PER_PAGE).limit(PER_PAGE)
    admin = viewer.scope.is_admin
    queue = await seen.filter(status=WishStatus.SUBMITTED).order_by("id").limit(QUEUE_SHOWN) \
        if admin else []
    claims = await queries.active_claims(seen)
    posters = await queries.people([w.poster_openid for w in queue])
    volunteers = await queries.volunteer_names([w.claimant_openid for w in [*claims, *rows]])
    now = clock.now()
    return page(request, viewer, "wishes.html", counts=counts, order=ORDER, shown=status,
                rows=rows, total=total, page_number=number,
                pages=max(1, -(-total // PER_PAGE)), queue=queue, claims=claims,
                poster=lambda w: _person_name(posters.get(w.poster_openid)),
                volunteer=lambda openid: volunteers.get(openid or "", t.WISH_RESIDENT),
                left=lambda w: time_left(w, now), is_admin=admin, may_post=_may_post(viewer),
                grids=(await choices(viewer.scope))["grids"] if admin else [], **NAMES)


async def _wish_in_scope(request: web.Request, viewer: session.Viewer) -> Wish | None:
    raw = request.match_info["number"]
    number = wish_number(raw) if raw[:1] in "Ww" else None
    try:
        wish = await queries.get(number if number and number < 2 ** 31 else None)
    except UnknownWish:
        return None
    return wish if involved(wish, viewer.person) else None


def _note(event: WishEvent, volunteers: dict[str, str]) -> str:
    """The event's note as people read it (the use cases write some notes for machines)."""
    note = event.note
    if event.kind == "expired":  # the claimant's openid: their name instead
        return volunteers.get(note, "")
    if event.kind == "approved" and note.startswith("grid "):
        return t.WISH_NOTE_GRID.format(grid=note.removeprefix("grid "))
    if event.kind == "closed" and note.endswith(" points"):
        return t.WISH_NOTE_POINTS.format(points=note.removesuffix(" points"))
    return note


async def wish_page(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    wish = await _wish_in_scope(request, viewer)
    if wish is None:
        return not_found(request, viewer)
    events = await queries.history(wish)
    openids = [e.actor for e in events] + [wish.poster_openid, wish.claimant_openid]
    people = await queries.people(openids)
    volunteers = await queries.volunteer_names(
        openids + [e.note for e in events if e.kind == "expired"])
    private = holds_claim(wish, viewer.openid)
    if private:  # the beneficiary's name, address and phone: the claim holder's, audited
        await audit.record(viewer.openid, "view_private", target=wish.number,
                           community=await queries.community_code(wish),
                           detail="beneficiary_name,address,phone",
                           ip=session.client_ip(request))
    timeline = [(e, _actor(e.actor, people, volunteers),
                 t.WISH_EVENT_NAMES.get(e.kind, e.kind), _note(e, volunteers)) for e in events]
    admin = viewer.scope.is_admin
    return page(request, viewer, "wishes_wish.html", wish=wish, timeline=timeline,
                private=private, reviewing=admin and wish.status is WishStatus.SUBMITTED,
                poster=_person_name(people.get(wish.poster_openid)),
                claimant=volunteers.get(wish.claimant_openid or "", ""),
                left=time_left(wish, clock.now()), proof=wish.fulfilled_at is not None,
                grids=(await choices(viewer.scope))["grids"] if admin else [], **NAMES)


def _back(form: dict[str, str], wish: Wish) -> str:
    return "/console/wishes" if form.get("back") == "queue" else f"/console/wishes/{wish.number}"


async def _moderate(action: str, wish: Wish, viewer: session.Viewer, form: dict[str, str],
                    ip: str) -> None:
    """通过 or 退回, the chat's use cases, with the audit entry (in the caller's transaction)."""
    if action == "approve":
        grid = form.get("grid", "").strip()
        await posting.approve(wish.id, viewer.openid, grid=grid or None)
        detail = f"grid {grid}" if grid else ""
    else:
        detail = form.get("reason", "").strip()[:255]
        await posting.reject(wish.id, viewer.openid, detail)
    await audit.record(viewer.openid, f"wish_{action}", target=wish.number,
                       community=await queries.community_code(wish), detail=detail, ip=ip)


async def wish_action(request: web.Request) -> web.StreamResponse:
    viewer, form = await posted_form(request)
    wish = await _wish_in_scope(request, viewer)
    if wish is None:
        return not_found(request, viewer)
    here = _back(form, wish)
    action = form.get("action", "")
    if not viewer.scope.is_admin:
        raise back(here, err=t.ADMINS_ONLY)
    if action not in ACTIONS:
        raise back(here, err=t.UNKNOWN_ACTION)
    if action == "reject" and not form.get("reason", "").strip():
        raise back(here, err=t.NEED_REASON)
    once = await claim_form(request, viewer, form, here, required=False)
    try:
        async with in_transaction():
            await _moderate(action, wish, viewer, form, session.client_ip(request))
    except Refusal as refused:
        await release_form(request, viewer, once)
        raise back(here, err=str(refused)) from None
    raise back(here, msg=t.WISH_ACTION_DONE[action])


# -- 代发: posting a wish on behalf of an elder ------------------------------------------------


async def _form_page(request: web.Request, viewer: session.Viewer, values: dict[str, str],
                     error: str = "", status: int = 200) -> web.Response:
    return page(request, viewer, "wishes_new.html", status=status, values=values, error=error,
                kinds=[(k.value, wish_texts.KIND_NAMES[k]) for k in wish_texts.KINDS],
                today=clock.local().date().isoformat())


async def new_page(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    if not _may_post(viewer):
        return not_found(request, viewer)
    return await _form_page(request, viewer, {"kind": WishKind.GOODS.value})


def _checked(values: dict[str, str]) -> tuple[str, WishKind, date | None]:
    """The beneficiary, the kind and the date as the form gives them; BadInput if unusable."""
    name = values.get("beneficiary", "").strip()
    if not name or name in posting.SELF_WORDS:
        raise BadInput(t.NEED_BENEFICIARY)
    try:
        kind = WishKind(values.get("kind", ""))
    except ValueError:
        raise BadInput(t.WISH_KIND_BAD) from None
    try:
        due = date.fromisoformat(values["needed_by"]) if values.get("needed_by") else None
    except ValueError:
        raise BadInput(t.WISH_DATE_BAD) from None
    return name, kind, due


async def _photo(request: web.Request, viewer: session.Viewer) -> str | None:
    """The attached photo (optional), stored as the mini-program's uploads are."""
    data = await request.post()
    upload = data.get("photo")
    if getattr(upload, "file", None) is None or not getattr(upload, "filename", ""):
        return None
    content = upload.file.read(MAX_PHOTO_BYTES + 1)  # type: ignore[union-attr]
    if len(content) > MAX_PHOTO_BYTES:
        raise photos.BadImage(t.PHOTO_TOO_BIG)
    store = request.config_dict[keys.SERVICES].photos
    return (await photos.store_upload(store, content, viewer.openid)).media_id


async def new_submit(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    values = await session.form_of(request, viewer)
    if not _may_post(viewer):
        return not_found(request, viewer)
    kv = request.config_dict[keys.KV_STORE]
    once = values.get("once", "")
    if not await console_sessions.claim_form(kv, viewer.openid, once):
        return await _form_page(request, viewer, {}, t.ALREADY_DONE, status=409)
    try:
        name, kind, due = _checked(values)
        draft = posting.draft(
            viewer.person, title=values.get("title", ""), kind=kind,
            details=values.get("details", ""), needed_by=due,
            address=values.get("address", ""), phone_number=values.get("phone", ""),
            media_id=await _photo(request, viewer), beneficiary=name)
        async with in_transaction():
            wish = await posting.post(draft, viewer.person)
            await audit.record(viewer.openid, "wish_post", target=wish.number,
                               community=await queries.community_code(wish),
                               ip=session.client_ip(request))
    except (Refusal, photos.BadImage) as refused:
        await console_sessions.release_form(kv, viewer.openid, once)
        return await _form_page(request, viewer, values, str(refused), status=400)
    raise web.HTTPSeeOther(f"/console/wishes/{wish.number}?msg=" +
                           quote(t.WISH_POSTED.format(number=wish.number)))


# -- volunteers ---------------------------------------------------------------------------------


async def volunteers_page(request: web.Request) -> web.StreamResponse:
    viewer = await session.viewer(request)
    if not viewer.scope.is_admin:  # the whole roster is the admins' (as the weekly bulletin)
        return not_found(request, viewer)
    return page(request, viewer, "wishes_volunteers.html",
                rows=await queries.volunteer_board())
