"""心愿 in the console over HTTP, on both backends: 通过 and 退回 through the page have the
chat's effects (status, history, the poster's push); scope (a grid worker's grid, other staff
their own wishes, no console for residents and volunteers); forms act once; 代发 creates one
wish; the beneficiary's contact only for the claim holder (audited); volunteers' counts."""

from __future__ import annotations

import re
from datetime import timedelta

import aiohttp
import pytest
from tortoise.transactions import in_transaction

from handlers import console_access
from handlers.demo import load_demo_data
from handlers.wishes import texts as wish_texts
from handlers.wishes.service import claims, posting
from storage import clock
from storage.core.models import (
    OutboxMessage,
    Person,
    Volunteer,
    Wish,
    WishEvent,
    WishKind,
    WishStatus,
)
from storage.core.models.console import AuditEntry
from tests.support.wishes import jpeg, pushed
from tests.test_console_web import ADMIN, GRID, RESIDENT, sign_in, world  # noqa: F401

GRID2, PROPERTY, VOLUNTEER = "demo-grid-g02", "demo-property", "demo-volunteer"
ONCE = re.compile(r'name="once" value="([^"]+)"')
CSRF = re.compile(r'data-csrf="([^"]+)"')


async def _posted(openid: str, title: str, beneficiary: str | None = None,
                  address: str = "繁荣社区 5号楼3单元101") -> Wish:
    """A wish posted through the use case chat and the console call (submitted, with the
    admins told), by ``openid``, for ``beneficiary`` if staff."""
    poster = await Person.get(openid=openid)
    async with in_transaction():
        return await posting.post(posting.draft(
            poster, title=title, kind=WishKind.REPAIR, details="够不着灯管", address=address,
            phone_number="13912345678", beneficiary=beneficiary), poster)


async def _form(console, path: str) -> dict[str, str]:
    r = await console.get(path)
    assert r.status == 200, path
    body = await r.text()
    return {"csrf": CSRF.search(body).group(1), "once": ONCE.search(body).group(1)}


async def _history(wish: Wish) -> list[tuple[str, str, str]]:
    return [(e.kind, e.actor, e.note) for e in
            await WishEvent.filter(wish_id=wish.id).order_by("id")]


def _generic(texts: list[str], wish: Wish) -> list[str]:
    """Pushes with the wish's own number and title replaced, to compare two wishes."""
    return [text.replace(wish.number, "W#").replace(wish.title, "T#") for text in texts]


async def test_approve_in_the_console_does_what_chat_does(world):  # noqa: F811
    bot = world["bot"]
    in_chat = await _posted(RESIDENT, "厨房灯不亮了A")
    in_console = await _posted(RESIDENT, "厨房灯不亮了B")
    admin = await sign_in(bot.client, ADMIN)
    queue = await (await admin.get("/console/wishes")).text()
    assert f'data-number="{in_console.number}"' in queue and "厨房灯不亮了B" in queue
    assert "13912345678" not in queue and "3单元101" not in queue  # no contact in the queue
    before = len(await pushed(RESIDENT))
    assert wish_texts.APPROVED.format(number=in_chat.number) in await bot.say(
        ADMIN, f"通过 {in_chat.number}")
    chat_pushes = (await pushed(RESIDENT))[before:]
    form = await _form(admin, "/console/wishes")
    r = await admin.post(f"/console/wishes/{in_console.number}/act",
                         {**form, "action": "approve", "back": "queue", "grid": ""})
    assert r.status == 303 and r.headers["Location"].startswith("/console/wishes?msg=")
    console_pushes = (await pushed(RESIDENT))[before + len(chat_pushes):]
    # The same effects: open, one "approved" line by the admin, the same push to the poster.
    for wish in (in_chat, in_console):
        assert (await Wish.get(id=wish.id)).status is WishStatus.OPEN
        assert (await _history(wish))[1:] == [("approved", ADMIN, "")]
    assert len(chat_pushes) == 1 and "已通过审核" in chat_pushes[0]
    assert _generic(console_pushes, in_console) == _generic(chat_pushes, in_chat)
    assert await AuditEntry.filter(action="wish_approve", target=in_console.number,
                                   actor_openid=ADMIN, community="FR").count() == 1
    # Its page tells the history; the queue no longer lists it.
    page = await (await admin.get(f"/console/wishes/{in_console.number}")).text()
    assert "审核通过" in page and 'data-kind="approved"' in page and "待认领" in page
    queue = await (await admin.get("/console/wishes")).text()
    assert f'class="review" data-number="{in_console.number}"' not in queue


async def test_approve_with_a_grid_hands_it_to_that_grid(world):  # noqa: F811
    wish = await _posted(RESIDENT, "想要一台收音机")
    admin = await sign_in(world["bot"].client, ADMIN)
    form = await _form(admin, f"/console/wishes/{wish.number}")
    r = await admin.post(f"/console/wishes/{wish.number}/act",
                         {**form, "action": "approve", "grid": "G02"})
    assert r.status == 303 and r.headers["Location"].startswith(
        f"/console/wishes/{wish.number}?msg=")
    assert (await Wish.get(id=wish.id)).grid == "G02"
    assert (await _history(wish))[-1] == ("approved", ADMIN, "grid G02")
    page = await (await admin.get(f"/console/wishes/{wish.number}")).text()
    assert "交给网格 G02 跟进" in page and "grid G02" not in page
    # Now the G02 worker's wish, not G01's.
    assert (await (await sign_in(world["bot"].client, GRID2)).get(
        f"/console/wishes/{wish.number}")).status == 200
    assert (await (await sign_in(world["bot"].client, GRID)).get(
        f"/console/wishes/{wish.number}")).status == 404


async def test_reject_needs_a_reason_and_does_what_chat_does(world):  # noqa: F811
    bot = world["bot"]
    in_chat = await _posted(RESIDENT, "想要一把椅子A")
    in_console = await _posted(RESIDENT, "想要一把椅子B")
    admin = await sign_in(bot.client, ADMIN)
    form = await _form(admin, f"/console/wishes/{in_console.number}")
    act = f"/console/wishes/{in_console.number}/act"
    refused = await admin.post(act, {**form, "action": "reject", "reason": "  "})
    assert "err=" in refused.headers["Location"]
    assert (await Wish.get(id=in_console.id)).status is WishStatus.SUBMITTED
    before = len(await pushed(RESIDENT))
    reason = "属于物业报修范围请联系物业"
    await bot.say(ADMIN, f"退回 {in_chat.number} {reason}")
    chat_pushes = (await pushed(RESIDENT))[before:]
    done = await admin.post(act, {**form, "action": "reject", "reason": reason})
    assert "msg=" in done.headers["Location"]
    console_pushes = (await pushed(RESIDENT))[before + len(chat_pushes):]
    for wish in (in_chat, in_console):
        row = await Wish.get(id=wish.id)
        assert row.status is WishStatus.REJECTED and row.reject_reason == reason
        assert (await _history(wish))[1:] == [("rejected", ADMIN, reason)]
    assert len(chat_pushes) == 1 and reason in chat_pushes[0]
    assert _generic(console_pushes, in_console) == _generic(chat_pushes, in_chat)
    page = await (await admin.get(f"/console/wishes/{in_console.number}")).text()
    assert 'id="reject-reason"' in page and reason in page and 'id="actions"' not in page
    # Already decided: a second decision is refused with the chat's words, nothing changes.
    form = await _form(admin, "/console/wishes")
    again = await admin.post(act, {**form, "action": "approve"})
    assert "err=" in again.headers["Location"]
    assert (await Wish.get(id=in_console.id)).status is WishStatus.REJECTED


async def test_a_double_submitted_approve_acts_once(world):  # noqa: F811
    wish = await _posted(RESIDENT, "想要一个热水袋")
    admin = await sign_in(world["bot"].client, ADMIN)
    form = {**await _form(admin, "/console/wishes"), "action": "approve", "back": "queue"}
    before = await OutboxMessage.filter(openid=RESIDENT).count()
    first = await admin.post(f"/console/wishes/{wish.number}/act", form)
    again = await admin.post(f"/console/wishes/{wish.number}/act", form)
    assert first.status == again.status == 303
    assert "err=" not in first.headers["Location"] and "err=" not in again.headers["Location"]
    assert await WishEvent.filter(wish_id=wish.id, kind="approved").count() == 1
    assert await OutboxMessage.filter(openid=RESIDENT).count() == before + 1
    assert await AuditEntry.filter(action="wish_approve", target=wish.number).count() == 1
    shown = await (await admin.get(again.headers["Location"])).text()
    assert "已经提交过" in shown


async def test_a_grid_worker_sees_their_grid_and_does_not_moderate(world):  # noqa: F811
    client = world["bot"].client
    mine = await _posted(GRID, "想要一副老花镜", beneficiary="孙福海")
    theirs = await _posted(GRID2, "想要一个助行器", beneficiary="李秀英")
    residents = await _posted(RESIDENT, "想要一个台灯")  # no grid until approved
    worker = await sign_in(client, GRID)
    listed = await (await worker.get("/console/wishes")).text()
    assert f'data-number="{mine.number}"' in listed
    assert f'data-number="{theirs.number}"' not in listed
    assert f'data-number="{residents.number}"' not in listed
    assert 'id="queue"' not in listed and 'id="post-wish"' in listed
    assert 'id="volunteers-link"' not in listed
    # The counts are of the scope: every G01 wish (the demo's two and this one), no more.
    g01 = await Wish.filter(grid="G01").count()
    counted = sum(int(n) for n in re.findall(r'<div class="n">(\d+)</div>', listed))
    assert counted == g01 == 3
    for path in (f"/console/wishes/{theirs.number}", f"/console/wishes/{residents.number}",
                 "/console/wishes/W99999", "/console/wishes/volunteers"):
        r = await worker.get(path)
        assert r.status == 404, path
        assert "想要一个助行器" not in await r.text()
    # 通过 is the admins': refused on their own wish, 404 on another grid's (a crafted form:
    # the page offers none).
    assert 'id="actions"' not in await (await worker.get(f"/console/wishes/{mine.number}")).text()
    form = await _form(worker, "/console/wishes/new")
    r = await worker.post(f"/console/wishes/{mine.number}/act", {**form, "action": "approve"})
    assert "err=" in r.headers["Location"]
    r = await worker.post(f"/console/wishes/{theirs.number}/act", {**form, "action": "approve"})
    assert r.status == 404
    for wish in (mine, theirs):
        assert (await Wish.get(id=wish.id)).status is WishStatus.SUBMITTED
    # Another kind of staff sees only the wishes they are part of: none here.
    manager = await sign_in(client, PROPERTY)
    page = await (await manager.get("/console/wishes")).text()
    assert "data-number=" not in page and 'id="post-wish"' not in page
    assert (await manager.get("/console/wishes/new")).status == 404


async def test_residents_and_volunteers_have_no_wishes_page(world):  # noqa: F811
    for openid in (RESIDENT, VOLUNTEER):
        with pytest.raises(console_access.NotStaff):
            await console_access.create_link(openid)
    wish = await _posted(RESIDENT, "想要一个收纳箱")
    worker = await sign_in(world["bot"].client, ADMIN)
    form = await _form(worker, "/console/wishes")
    await Person.filter(openid=ADMIN).update(role="volunteer")  # no longer staff
    for r in (await worker.get("/console/wishes"),
              await worker.get(f"/console/wishes/{wish.number}"),
              await worker.post(f"/console/wishes/{wish.number}/act",
                                {**form, "action": "approve"})):
        assert r.status == 303 and r.headers["Location"] == "/console/login"
    assert (await Wish.get(id=wish.id)).status is WishStatus.SUBMITTED


async def test_posting_on_behalf_creates_one_wish(world):  # noqa: F811
    worker = await sign_in(world["bot"].client, GRID)
    form = await _form(worker, "/console/wishes/new")
    values = {**form, "beneficiary": "周桂兰", "title": "想要一个暖手宝", "details": "冬天手冷",
              "kind": "goods", "needed_by": (clock.local().date() + timedelta(days=5)).isoformat(),
              "address": "繁荣社区 3号楼2单元501", "phone": "139 1234 5678"}
    admins_before = await OutboxMessage.filter(openid=ADMIN).count()
    first = await worker.post("/console/wishes/new", values)
    again = await worker.post("/console/wishes/new", values)
    assert first.status == 303 and again.status == 409
    assert "已经提交过" in await again.text()
    rows = await Wish.filter(title="想要一个暖手宝")
    assert len(rows) == 1
    wish = rows[0]
    assert first.headers["Location"].startswith(f"/console/wishes/{wish.number}?msg=")
    assert (wish.status, wish.on_behalf, wish.beneficiary_name, wish.beneficiary_openid,
            wish.poster_openid, wish.grid, wish.community, wish.phone) == (
        WishStatus.SUBMITTED, True, "周桂兰", None, GRID, "G01", "繁荣社区", "13912345678")
    assert await _history(wish) == [("submitted", GRID, "")]
    # The admins are told, as when a grid worker posts in chat.
    assert await OutboxMessage.filter(openid=ADMIN).count() == admins_before + 1
    assert (await pushed(ADMIN))[-1] == wish_texts.N_NEW.format(number=wish.number,
                                                                 title=wish.title)
    assert await AuditEntry.filter(action="wish_post", target=wish.number).count() == 1
    page = await (await worker.get(f"/console/wishes/{wish.number}")).text()
    assert "想要一个暖手宝" in page and "周**" in page and "13912345678" not in page


async def test_a_photo_posted_on_behalf_is_shown_to_its_people(make_bot, tmp_path):
    await load_demo_data(cases=False)
    bot = await make_bot(media_dir=tmp_path / "media")
    worker = await sign_in(bot.client, GRID)
    data = aiohttp.FormData({**await _form(worker, "/console/wishes/new"), "kind": "goods",
                             "beneficiary": "孙福海", "title": "想要一个新枕头",
                             "address": "繁荣社区 7号楼1单元302"})
    data.add_field("photo", jpeg("blue"), filename="pillow.jpg", content_type="image/jpeg")
    r = await bot.client.post("/console/wishes/new", data=data, allow_redirects=False,
                              headers=worker.headers(Origin=worker.origin))
    assert r.status == 303, await r.text()
    wish = await Wish.get(title="想要一个新枕头")
    assert wish.photo_id is not None
    for openid in (GRID, ADMIN):
        viewer = await sign_in(bot.client, openid)
        page = await (await viewer.get(f"/console/wishes/{wish.number}")).text()
        assert f'src="/console/photos/{wish.photo_id}"' in page
        shown = await viewer.get(f"/console/photos/{wish.photo_id}")
        assert shown.status == 200 and shown.headers["Content-Type"] == "image/jpeg"
    # Not yet approved: not another grid's worker's to see.
    other = await sign_in(bot.client, GRID2)
    assert (await other.get(f"/console/photos/{wish.photo_id}")).status == 404


async def test_posting_on_behalf_refusals_keep_the_form(world):  # noqa: F811
    worker = await sign_in(world["bot"].client, GRID)
    form = await _form(worker, "/console/wishes/new")
    base = {**form, "beneficiary": "周桂兰", "title": "想要一个暖手宝", "kind": "goods",
            "address": "繁荣社区 3号楼2单元501"}
    for bad, said in (({"beneficiary": "本人"}, "姓名"), ({"title": "暖"}, "2-30"),
                      ({"phone": "12"}, "电话"), ({"kind": "x"}, "类别"),
                      ({"needed_by": "2020-01-01"}, "")):
        r = await worker.post("/console/wishes/new", {**base, **bad})
        assert r.status == 400, bad
        body = await r.text()
        assert 'id="form-error"' in body and said in body, bad
        assert 'value="繁荣社区 3号楼2单元501"' in body  # what was typed stays
    assert not await Wish.filter(title="想要一个暖手宝").exists()
    # The form's field was freed by each refusal: the corrected form goes through.
    assert (await worker.post("/console/wishes/new", base)).status == 303


async def test_contact_only_for_the_claim_holder_and_audited(world):  # noqa: F811
    client = world["bot"].client
    wish = await _posted(GRID, "想要有人陪着去医院", beneficiary="周桂兰",
                         address="繁荣社区 3号楼2单元501")
    async with in_transaction():
        await posting.approve(wish.id, ADMIN)
    # The grid worker G02 is also a registered volunteer, and claims it.
    now = clock.now()
    await Volunteer.create(openid=GRID2, name="李建国", community="繁荣社区",
                           created_at=now, updated_at=now)
    async with in_transaction():
        await claims.claim(wish.id, GRID2)
    holder = await sign_in(client, GRID2)
    page = await (await holder.get(f"/console/wishes/{wish.number}")).text()
    assert "周桂兰" in page and "13912345678" in page and "3号楼2单元501" in page
    assert await AuditEntry.filter(actor_openid=GRID2, action="view_private",
                                   target=wish.number, community="FR").count() == 1
    # The admin and the grid worker who posted it see it masked, and nothing is audited.
    for openid in (ADMIN, GRID):
        other = await sign_in(client, openid)
        page = await (await other.get(f"/console/wishes/{wish.number}")).text()
        assert "周**" in page and "周桂兰" not in page and "13912345678" not in page
        assert "2单元501" not in page and "3号楼" in page
        assert not await AuditEntry.filter(actor_openid=openid, action="view_private",
                                           target=wish.number).exists()
        # The running claim with its time left (72 hours, as claims run).
        listed = await (await other.get("/console/wishes")).text()
        claims_part = listed.split('id="claims"')[1].split('id="list"')[0]
        assert wish.number in claims_part and "李建国" in claims_part
        assert re.search(r"剩 2 天 2[23] 小时", claims_part)


async def test_volunteers_with_their_fulfilled_counts(world):  # noqa: F811
    done = await _posted(GRID, "想要一根拐杖", beneficiary="周桂兰")
    await Wish.filter(id=done.id).update(status=WishStatus.CONFIRMED, claimant_openid=VOLUNTEER,
                                         confirmed_at=clock.now())
    admin = await sign_in(world["bot"].client, ADMIN)
    page = await (await admin.get("/console/wishes/volunteers")).text()
    name = (await Volunteer.get(openid=VOLUNTEER)).name
    row = re.search(rf"<td>{name}</td>.*?</tr>", page, re.S).group(0)
    assert '<td class="fulfilled">1</td>' in row and '<td class="active">0</td>' in row
    assert VOLUNTEER not in page  # no openids on the page


def test_time_left_of_a_claim():
    from bot.console.pages.wishes import time_left

    now = clock.now()
    wish = Wish(claim_expires_at=now + timedelta(days=2, hours=5, minutes=59))
    assert time_left(wish, now) == "剩 2 天 5 小时"
    wish.claim_expires_at = now + timedelta(hours=3, minutes=7, seconds=30)
    assert time_left(wish, now) == "剩 3 小时 7 分"
    wish.claim_expires_at = now
    assert time_left(wish, now) == "已到期，等待系统收回"
    wish.claim_expires_at = None
    assert time_left(wish, now) == ""


async def test_the_history_reads_as_people_write(world):  # noqa: F811
    wish = await _posted(GRID, "想要一个保温杯", beneficiary="周桂兰")
    for kind, actor, note in (("approved", ADMIN, ""), ("claimed", VOLUNTEER, ""),
                              ("expired", "scheduler", VOLUNTEER),
                              ("closed", "scheduler", "20 points")):
        await WishEvent.create(wish_id=wish.id, kind=kind, actor=actor, note=note,
                               created_at=clock.now())
    admin = await sign_in(world["bot"].client, ADMIN)
    page = await (await admin.get(f"/console/wishes/{wish.number}")).text()
    name = (await Volunteer.get(openid=VOLUNTEER)).name
    items = re.findall(r'<li data-kind="(\w+)">\s*<div class="when">[^<]*· ([^<]*)</div>\s*'
                       r'<div>([^<]*)</div>', page)
    assert [(kind, by.strip(), what) for kind, by, what in items] == [
        ("submitted", "网格员 王梦苏", "提交心愿"),
        ("approved", "社区管理员 张丽", "审核通过，已上心愿墙"),
        ("claimed", name, "志愿者认领"),
        ("expired", "系统", f"认领到期，重回心愿墙：{name}"),
        ("closed", "系统", "圆满完成，积分已发放：志愿者获得 20 积分")]
    assert VOLUNTEER not in page and "20 points" not in page
