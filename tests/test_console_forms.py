"""Console forms act once: each page carries a one-time field (``once``); a double click or
a replayed form finds it taken and changes nothing, while a refused action frees it."""

from __future__ import annotations

import re

from storage.reports.models import Case, CaseEvent, CaseSource
from tests.test_console_web import ADMIN, sign_in, world  # noqa: F401 (the fixture)

ONCE = re.compile(r'name="once" value="([^"]+)"')


async def _form(console, number: str) -> tuple[str, str]:
    r = await console.get(f"/console/cases/{number}")
    body = await r.text()
    return re.search(r'data-csrf="([^"]+)"', body).group(1), ONCE.search(body).group(1)


async def test_a_double_submitted_form_acts_once(world):  # noqa: F811
    admin = await sign_in(world["bot"].client, ADMIN)
    case = world["g01"]
    csrf, once = await _form(admin, case.number)
    form = {"action": "supervise", "text": "请今天处理", "csrf": csrf, "once": once}
    first = await admin.post(f"/console/cases/{case.number}/act", form)
    again = await admin.post(f"/console/cases/{case.number}/act", form)
    assert first.status == again.status == 303
    assert "err=" not in first.headers["Location"]
    assert await CaseEvent.filter(case_id=case.id, action="supervise").count() == 1
    # A fresh page gives a fresh field: a second 督办 on purpose is a new form.
    csrf, once2 = await _form(admin, case.number)
    assert once2 != once
    form.update(csrf=csrf, once=once2)
    await admin.post(f"/console/cases/{case.number}/act", form)
    assert await CaseEvent.filter(case_id=case.id, action="supervise").count() == 2


async def test_a_refused_action_may_be_sent_again(world):  # noqa: F811
    admin = await sign_in(world["bot"].client, ADMIN)
    case = world["g01"]
    csrf, once = await _form(admin, case.number)
    refused = await admin.post(f"/console/cases/{case.number}/act",
                               {"action": "hide", "text": "", "csrf": csrf, "once": once})
    assert "err=" in refused.headers["Location"]
    done = await admin.post(f"/console/cases/{case.number}/act",
                            {"action": "hide", "text": "重复上报", "csrf": csrf, "once": once})
    assert "msg=" in done.headers["Location"]
    assert (await Case.get(id=case.id)).status == "hidden"


async def test_a_replayed_intake_creates_one_case(world):  # noqa: F811
    admin = await sign_in(world["bot"].client, ADMIN)
    r = await admin.get("/console/intake")
    body = await r.text()
    csrf = re.search(r'data-csrf="([^"]+)"', body).group(1)
    form = {"csrf": csrf, "once": ONCE.search(body).group(1), "source": "hotline",
            "category": "garbage", "description": "来电：东门垃圾没人清", "building": "B12-1",
            "caller_name": "", "caller_phone": ""}
    before = await Case.filter(source=CaseSource.HOTLINE).count()
    first = await admin.post("/console/intake", form)
    again = await admin.post("/console/intake", form)
    assert first.status == 303 and again.status == 409
    assert "已经提交过" in await again.text()
    assert await Case.filter(source=CaseSource.HOTLINE).count() == before + 1


async def test_a_case_entered_beyond_the_operators_scope_stays_on_the_form(world):  # noqa: F811
    worker = await sign_in(world["bot"].client, "demo-grid-g01")
    r = await worker.get("/console/intake")
    body = await r.text()
    form = {"csrf": re.search(r'data-csrf="([^"]+)"', body).group(1),
            "once": ONCE.search(body).group(1), "source": "visit", "category": "garbage",
            "description": "走访发现和顺路垃圾桶满了", "building": "B14-1",
            "caller_name": "", "caller_phone": ""}
    done = await worker.post("/console/intake", form)
    assert done.status == 303 and done.headers["Location"].startswith("/console/intake?msg=")
    case = await Case.filter(source=CaseSource.VISIT).order_by("-id").first()
    assert case.grid_code == "G03"
    assert (await worker.get(f"/console/cases/{case.number}")).status == 404
