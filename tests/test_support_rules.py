"""Who may +1 a case: only one the person could see anyway - offered to them as a nearby
duplicate (the chat's 是 after "是不是这个？") or within the category's duplicate radius of a
location they send (the API). Anything else is refused alike, existing or not; supporter
points go only to supports made that way (and to supporters from before the rule)."""

from __future__ import annotations

import pytest

from handlers.reports import awards
from handlers.reports.lifecycle import transition
from handlers.reports.service.cases import submit_case
from rewards import ledger
from storage import clock
from storage.ledger.models import Award
from storage.reports.models import Case, CaseStatus, Supporter
from tests.support.api import form, jpeg
from tests.support.reports import LAT, LNG, number_in, report, report_bot

pytestmark = pytest.mark.usefixtures("db")

NEAR = (LAT + 0.0002, LNG)  # some 22 m away: within garbage's duplicate radius
FAR = (LAT - 0.0022, LNG - 0.0005)  # some 250 m away


@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


@pytest.fixture
def api(rbot, api_for):
    return api_for(rbot)


async def case_at(reporter: str = "o-a", at=(LAT, LNG), category: str = "garbage") -> Case:
    return await submit_case(reporter_openid=reporter, category_code=category,
                             description="楼下垃圾堆了三天", lat=at[0], lng=at[1],
                             address="明珠小区", building_code=None, media_ids=[])


def refusal(body: dict, number: str) -> str:
    assert body["error"]["code"] == "unknown_case", body
    return body["error"]["message"].replace(number, "A?")


async def test_a_case_number_alone_opens_nothing(api):
    """The attack: +1 sequential numbers, then read them. Every one is refused alike."""
    cases = [await case_at(f"o-r{i}") for i in range(5)]
    await transition(cases[4], "hide", "o-admin")
    bob = await api.login("o-b")
    answers = set()
    for n in range(1001, 1011):  # five real cases (one hidden), five that do not exist
        status, body = await bob.post(f"/reports/A{n}/support", json={})
        assert status == 404, (n, body)
        answers.add(refusal(body, f"A{n}"))
        assert (await bob.get(f"/reports/A{n}"))[0] == 404
    assert len(answers) == 1 and "附近" in answers.pop()
    # A location far from the case is no better.
    status, body = await bob.post(f"/reports/{cases[0].number}/support",
                                  json={"lat": FAR[0], "lng": FAR[1]})
    assert status == 404 and refusal(body, cases[0].number)
    assert await Supporter.all().count() == 0


async def test_a_location_within_the_radius_supports(api):
    case = await case_at()
    bob = await api.login("o-b")
    photo = (await bob.post("/photos", data=form({}, [jpeg(color=(1, 2, 3))], field="file")))[1]
    status, body = await bob.post(f"/reports/{case.number}/support",
                                  json={"lat": NEAR[0], "lng": NEAR[1], "photo_ids": [photo["id"]]})
    assert status == 200, body
    assert body["added"] is True and body["case"]["my_role"] == "supporter"
    assert (await Supporter.get(case_id=case.id, openid="o-b")).via == "nearby"
    # Once a supporter, the case is theirs to follow: no location needed again.
    status, body = await bob.post(f"/reports/{case.number}/support", json={})
    assert status == 200 and body["added"] is False
    # A category never merged (radius 0, 其他) is never +1'd, not even from the same spot.
    other = await case_at("o-c", category="other")
    status, body = await bob.post(f"/reports/{other.number}/support",
                                  json={"lat": LAT, "lng": LNG})
    assert status == 404 and refusal(body, other.number)


async def test_a_closed_case_says_so_only_to_who_can_see_it(api):
    case = await case_at()
    bob = await api.login("o-b")
    carol = await api.login("o-c")
    near = {"lat": NEAR[0], "lng": NEAR[1]}
    assert (await bob.post(f"/reports/{case.number}/support", json=near))[0] == 200
    await transition(case, "reject", "o-admin", note="不属于本社区")
    status, body = await bob.post(f"/reports/{case.number}/support", json={})
    assert status == 409 and body["error"]["code"] == "wrong_state"
    status, body = await carol.post(f"/reports/{case.number}/support", json=near)
    assert status == 404 and refusal(body, case.number)
    alice = await api.login("o-a")
    status, body = await alice.post(f"/reports/{case.number}/support", json={})
    assert status == 409 and body["error"]["code"] == "own_case"


async def test_the_chats_yes_supports_what_was_offered(rbot):
    number = number_in(await report(rbot, "o-a"))
    assert f"已为 {number} +1" in await report(rbot, "o-b", lat=LAT + 0.0003, color="blue",
                                               answer="是")
    assert (await Supporter.get(openid="o-b")).via == "offered"


# -- points: only for supports made that way -------------------------------------------------

async def _closed_with(supporters: dict[str, str]) -> Case:
    case = await case_at()
    for openid, via in supporters.items():
        await Supporter.create(case_id=case.id, openid=openid, via=via)
    await Case.filter(id=case.id).update(status=CaseStatus.CLOSED, closed_at=clock.now())
    return case


async def test_supporter_points_only_for_offered_nearby_or_earlier_supports(rbot):
    case = await _closed_with({"o-offered": "offered", "o-nearby": "nearby",
                               "o-legacy": "legacy", "o-unknown": "unknown"})
    await awards.award(case.id)
    for openid in ("o-offered", "o-nearby", "o-legacy"):
        assert (await ledger.balance(openid)).balance == 2, openid
    assert (await ledger.balance("o-unknown")).balance == 0
    award = await Award.get(openid="o-unknown", rule=awards.SUPPORTER)
    assert (award.amount, award.detail) == (0, "support_unverified")
    # The sweep counts it as done: a replay pays nobody twice.
    await awards.award_due()
    assert (await ledger.balance("o-offered")).balance == 2


async def test_a_supporter_row_made_without_a_way_is_unverified(rbot):
    case = await case_at()
    row = await Supporter.create(case_id=case.id, openid="o-x")
    assert row.via == "unknown"
