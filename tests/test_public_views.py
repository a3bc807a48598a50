"""What other people read of a resident's words: Open311, the "是不是这个？" card, the API's
nearby duplicates, a supporter's view of a case, the wish wall - masked (handlers.masking);
the reporter, a wish's own people and staff read the full text."""

from __future__ import annotations

import pytest

from storage import clock
from storage.core.models import Person, Role, WishStatus
from storage.reports.models import Case, CaseEvent, Supporter
from tests.support.api import form, jpeg
from tests.support.open311 import crafted, get, open311_bot
from tests.support.reports import LAT, LNG, number_in, photo, place, report_bot
from tests.support.wishes import volunteer, wish

pytestmark = pytest.mark.usefixtures("db")

PRIVATE = "路灯不亮了。我叫王小明电话13812345678住3单元501"
PUBLIC = "路灯不亮了。我叫王**电话***********住*单元***"
ADDRESS = "明珠小区3单元501"
SECRETS = ("王小明", "13812345678", "3单元501")


def assert_masked(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, (secret, text)


# -- Open311 ---------------------------------------------------------------------------------

@pytest.fixture
async def obot(make_bot, tmp_path):
    return await open311_bot(make_bot, tmp_path)


async def test_open311_publishes_the_masked_description_and_a_coarse_address(obot):
    case = await crafted("A1036", description=PRIVATE)
    await Case.filter(id=case.id).update(address=ADDRESS)
    await CaseEvent.create(case=case, at=clock.now(), action="resolve", actor_openid="o-grid",
                           note="已修好，联系了住户13812345678")
    for path in ("requests/A1036.json", "requests.json", "requests/A1036.xml",
                 "requests.xml"):
        text = await (await get(obot, path)).text()
        assert_masked(text)
        assert "路灯不亮了" in text and "明珠小区" in text, path
    [r] = await (await get(obot, "requests/A1036.json")).json()
    assert r["description"] == PUBLIC and r["address"] == "明珠小区"
    assert r["status_notes"] == "处理完成：已修好，联系了住户" + "*" * 11
    # Stored whole: staff still read every word.
    stored = await Case.get(number="A1036")
    assert (stored.description, stored.address) == (PRIVATE, ADDRESS)


# -- chat: the nearby card, and 查 for a supporter --------------------------------------------

@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


async def _report(bot, openid: str, desc: str, lat: float, label: str, color: str) -> str:
    await photo(bot, openid, color)
    await place(bot, openid, lat, LNG, label=label)
    await bot.say(openid, desc)
    await bot.say(openid, "1")
    return await bot.say(openid, "确认")


async def test_the_nearby_card_and_a_supporters_lookup_are_masked(rbot):
    bot = rbot
    number = number_in(await _report(bot, "o-a", PRIVATE, LAT, ADDRESS, "red"))
    offer = await _report(bot, "o-b", "路灯坏了", LAT + 0.0003, "明珠小区东门", "blue")
    assert "是不是这个" in offer and number in offer
    assert_masked(offer)
    assert PUBLIC in offer and "明珠小区" in offer
    assert f"已为 {number} +1" in await bot.say("o-b", "是")
    seen = await bot.say("o-b", f"查 {number}")
    assert number in seen and PUBLIC in seen
    assert_masked(seen)
    # The reporter and staff read what was typed.
    assert PRIVATE in await bot.say("o-a", f"查 {number}")
    assert PRIVATE in await bot.say("o-admin", f"查 {number}")


# -- the API: nearby, a supporter's detail and list, photos ----------------------------------

@pytest.fixture
def api(rbot, api_for):
    return api_for(rbot)


async def test_the_api_shows_neighbours_the_public_view_only(api):
    alice = await api.login("o-a")
    bob = await api.login("o-b")
    status, body = await alice.post("/reports", data=form(
        {"category": "garbage", "description": PRIVATE, "lat": LAT, "lng": LNG,
         "address": ADDRESS}, [jpeg(color=(200, 10, 10))]))
    assert status == 201, body
    number = body["number"]
    assert (body["description"], body["address"]) == (PRIVATE, ADDRESS)
    near = {"category": "garbage", "lat": LAT + 0.0002, "lng": LNG}
    status, body = await bob.get("/reports/nearby", params=near)
    assert status == 200
    [card] = body["items"]
    assert card["description"] == PUBLIC and card["address"] == "明珠小区"
    assert_masked(str(body))

    case = await Case.get(number=number)
    await Supporter.create(case_id=case.id, openid="o-b")
    status, detail = await bob.get(f"/reports/{number}")
    assert status == 200
    assert detail["my_role"] == "supporter" and detail["description"] == PUBLIC
    assert detail["address"] == "明珠小区" and detail["photo_ids"] == []
    assert_masked(str(detail))
    status, body = await bob.get("/reports/mine", params={"role": "supported"})
    assert [c["description"] for c in body["items"]] == [PUBLIC]
    assert_masked(str(body))
    # The reporter's photo is theirs: a supporter cannot open it.
    mine = (await alice.get(f"/reports/{number}"))[1]
    assert mine["description"] == PRIVATE and len(mine["photo_ids"]) == 1
    status, _ = await bob.get(f"/photos/{mine['photo_ids'][0]}")
    assert status == 404


async def test_staff_who_may_act_read_the_full_text(api):
    alice = await api.login("o-a")
    grid = await api.login("o-grid")
    number = (await alice.post("/reports", data=form(
        {"category": "garbage", "description": PRIVATE, "lat": LAT, "lng": LNG,
         "address": ADDRESS}, [jpeg()])))[1]["number"]
    status, body = await grid.get(f"/reports/{number}")
    assert status == 200 and body["description"] == PRIVATE and body["address"] == ADDRESS


# -- the wish wall ---------------------------------------------------------------------------

async def test_the_wish_wall_masks_what_the_poster_typed(rbot, api):
    await Person.create(openid="o-poster", role=Role.RESIDENT, name="周桂兰")
    w = await wish(WishStatus.OPEN, poster="o-poster", title="王小明想要拐杖13812345678")
    await w.filter(id=w.id).update(details="住3单元501，电话13812345678")
    await volunteer("o-vol")
    wall = await rbot.say("o-vol", "心愿墙")
    assert w.number in wall and "拐杖" in wall and "13812345678" not in wall
    card = await rbot.say("o-vol", f"查看心愿 {w.number}")
    assert "拐杖" in card
    assert "13812345678" not in card and "3单元501" not in card
    own = await rbot.say("o-poster", f"查看心愿 {w.number}")
    assert "13812345678" in own and "3单元501" in own

    caller = await api.login("o-vol2")
    status, body = await caller.get("/wishes")
    assert status == 200 and body["items"][0]["number"] == w.number
    assert "13812345678" not in str(body) and "3单元501" not in str(body)
    status, body = await caller.get(f"/wishes/{w.id}")
    assert status == 200 and "13812345678" not in str(body) and "3单元501" not in str(body)
    poster = await api.login("o-poster")
    status, body = await poster.get(f"/wishes/{w.id}")
    assert body["details"] == "住3单元501，电话13812345678"
    assert await CaseEvent.all().count() == 0


# -- pushes: supporters hear the public text -------------------------------------------------

async def test_supporters_hear_progress_without_the_reporters_details(rbot):
    from handlers.reports import notify
    from tests.support.wishes import pushed

    case = await crafted_case()
    await Supporter.create(case_id=case.id, openid="o-b")
    event = await CaseEvent.create(case=case, at=clock.now(), action="resolve")
    text = f"{case.number} 已处理完成：已联系3单元501住户，电话13812345678"
    assert await notify.resident_progress(case, event.id, text) == 2
    assert await pushed("o-a") == [text]
    [heard] = await pushed("o-b")
    assert case.number in heard and "已处理完成" in heard
    assert "3单元501" not in heard and "13812345678" not in heard


async def crafted_case() -> Case:
    return await Case.create(number="A7", reporter_openid="o-a", category_code="garbage",
                             description=PRIVATE, lat=LAT, lng=LNG, address=ADDRESS)
