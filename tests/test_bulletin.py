"""The weekly bulletin (周通报): figures on crafted cases, delivery to admins, the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers import outbox
from handlers.reports.bulletin import notify as bulletin_notify
from handlers.reports.bulletin import queries as bulletin
from handlers.reports.bulletin import render as bulletin_render
from handlers.reports.bulletin import scheduled as bulletin_sweeps
from storage.core.models import OutboxMessage, Person, Role
from storage.geo.models import Community, Grid, Street
from storage.reports.models import Case, CaseEvent, CaseStatus
from tests.support.cli import run_cli
from tests.support.push import content, messenger_with_all_channels, sent


@pytest.fixture
async def full_messenger(sandbox, kv):
    async with messenger_with_all_channels(sandbox, kv) as messenger:
        yield messenger


WEEK = "2026-W47"  # Monday 2026-11-16 00:00 to Monday 2026-11-23 00:00, Asia/Shanghai
H = timedelta(hours=1)
SQUARE = '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}'


async def _geo() -> None:
    street = await Street.create(code="S1", name="重庆路街道")
    c1 = await Community.create(code="C1", name="明珠社区", street=street, admin_openid="adm1")
    c2 = await Community.create(code="C2", name="南湖社区", street=street)
    await Grid.create(code="G1", name="第一网格", community=c1, geometry=SQUARE)
    await Grid.create(code="G2", name="第二网格", community=c1, geometry=SQUARE)
    await Grid.create(code="G3", name="第三网格", community=c2, geometry=SQUARE)
    await Person.create(openid="adm2", role=Role.ADMIN, name="街道管理员")


async def _case(n: int, grid: str, community: str, created, *, accepted=None, resolved=None,
                due=None, closed=None, rating=None, status=CaseStatus.DISPATCHED,
                events: tuple[tuple[str, object], ...] = ()) -> Case:
    c = await Case.create(number=f"A{n}", reporter_openid=f"r{n}", category_code="road",
                          grid_code=grid, community_code=community, status=status)
    await Case.filter(id=c.id).update(created_at=created, accepted_at=accepted,
                                      resolved_at=resolved, resolve_due_at=due,
                                      closed_at=closed, rating=rating)
    for action, at in events:
        await CaseEvent.create(case=c, action=action, at=at)
    return c


async def _crafted() -> None:
    """G1: 5 cases, G2: 2 (too few to rank), G3 (other community): 6; plus noise."""
    since, _ = bulletin.week_bounds(WEEK)
    t0 = since + timedelta(hours=9)  # Monday 09:00 in Shanghai
    for i, hours in enumerate([1, 2, 3, 4, None]):
        resolved = t0 + 30 * H if i < 3 else None
        due = t0 + (48 * H if i < 2 else 10 * H)  # the third is resolved late
        events = (("resolve", resolved),) if resolved else ()
        if i == 0:
            events += (("reopen", t0 + 40 * H),)
        await _case(100 + i, "G1", "C1", t0, accepted=t0 + hours * H if hours else None,
                    resolved=resolved, due=due, events=events,
                    closed=t0 + 50 * H if i in (1, 2) else None,
                    rating={1: 5, 2: 3}.get(i))
    await _case(200, "G2", "C1", t0, accepted=t0 + 0.5 * H)
    await _case(201, "G2", "C1", t0)
    for i in range(6):
        await _case(300 + i, "G3", "C2", t0, accepted=t0 + H,
                    resolved=t0 + 5 * H if i == 0 else None, due=t0 + 24 * H,
                    events=(("resolve", t0 + 5 * H),) if i == 0 else ())
    await _case(400, "G1", "C1", t0 - 48 * H, accepted=t0 - 47 * H)  # the week before
    await _case(401, "G1", "C1", t0, accepted=t0 + H, status=CaseStatus.HIDDEN)


async def test_figures_per_grid_and_community(db):
    await _crafted()
    f = await bulletin.compute(WEEK)
    g1, g2, g3 = f.grids["C1", "G1"], f.grids["C1", "G2"], f.grids["C2", "G3"]
    assert (g1.cases, g2.cases, g3.cases, f.total.cases) == (5, 2, 6, 13)
    assert g1.median_accept == pytest.approx(2.5) and g2.median_accept == pytest.approx(0.5)
    assert g1.sla_share == pytest.approx(2 / 3) and g3.sla_share == 1.0
    assert g1.reopen_rate == pytest.approx(1 / 3) and g3.reopen_rate == 0.0
    assert g1.satisfaction == pytest.approx(4.0) and g3.satisfaction is None
    c1 = f.communities["C1"]
    assert c1.cases == 7 and c1.median_accept == pytest.approx(2.0)  # 0.5, 1, 2, 3, 4
    assert f.total.accept_hours and len(f.total.accept_hours) == 11
    ranking = bulletin.ranked([*f.communities.values(), *f.grids.values()], 5)
    assert [u.code for u in ranking] == ["C2", "G3", "C1", "G1"]  # G2 has too few cases


async def test_text_and_delivery_to_admins(db, sandbox, full_messenger):
    await _geo()
    await _crafted()
    text, _ = await bulletin_render.render(WEEK)
    assert "2026-11-16 至 2026-11-22" in text
    assert "明珠社区·第一网格：上报 5 件，受理 2.5小时，按时办结 67%，返工 33%，满意度 4.0分" in text
    assert "明珠社区·第二网格：上报 2 件，受理 30分钟" in text
    ranking = text.split("【排名】")[1]
    assert "第二网格" not in ranking and ranking.index("南湖社区") < ranking.index("明珠社区")
    assert await bulletin_notify.recipients() == ["adm1", "adm2"]
    queued = await bulletin_notify.send(WEEK)
    assert queued >= 2 and await bulletin_notify.send(WEEK) == queued  # once per week
    assert await OutboxMessage.all().count() == queued
    for admin in ("adm1", "adm2"):
        sandbox.state.observe_inbound(admin)
    await outbox.deliver_due(full_messenger)
    got = "".join(content(m) for m in sent(sandbox, "adm1"))
    assert "邻里周通报 2026-W47" in got and "南湖社区·第三网格" in got
    # the text as before, then the link to the page (linli serve's address by default)
    assert got.endswith("网页版（图表、可打印）：http://127.0.0.1:8080/console/bulletin/2026-W47")


def test_weeks_are_iso_weeks_in_shanghai():
    since, until = bulletin.week_bounds("2026-W01")
    assert since.isoformat() == "2025-12-28T16:00:00+00:00" and until - since == timedelta(7)
    assert bulletin.week_of(since) == "2026-W01"
    assert bulletin.week_of(since - timedelta(seconds=1)) == "2025-W52"
    assert bulletin.last_week(since + timedelta(hours=8)) == "2025-W52"  # Monday 08:00
    with pytest.raises(ValueError):
        bulletin.week_bounds("2026-47")


def test_long_bulletins_are_split_at_line_ends():
    text = "\n".join(f"第{i}行" + "字" * 50 for i in range(30))
    pieces = bulletin_render.parts(text, 200)
    assert all(len(p) <= 200 for p in pieces) and "\n".join(pieces) == text


async def test_cli_prints_the_week(db):
    await _geo()
    await _crafted()
    env = {"LINLI_DATABASE_URL": db.database_url}
    out = await run_cli("bulletin", "--week", WEEK, env=env)
    assert out.code == 0, out.err
    assert out.out.startswith("邻里周通报 2026-W47") and "全街道：上报 13 件" in out.out
    assert await OutboxMessage.all().count() == 0  # printing sends nothing
    sent_ = await run_cli("bulletin", "--week", WEEK, "--send",
                          env={**env, "LINLI_PUBLIC_URL": "https://linli.example.org"})
    assert sent_.code == 0 and "queued" in sent_.err
    assert await OutboxMessage.filter(openid="adm2").count() >= 1
    last = await OutboxMessage.filter(openid="adm2").order_by("-id").first()
    assert last.payload["text"].endswith("https://linli.example.org/console/bulletin/2026-W47")
    bad = await run_cli("bulletin", "--week", "last", env=env)
    assert bad.code == 2 and "ISO week" in bad.err


async def test_monday_job_is_a_cron_job_that_sends_last_week(db, kv):
    from datetime import datetime

    from bot.scheduler import Lease, build_scheduler
    from handlers.context import Services
    from storage import clock

    await _geo()
    scheduler = build_scheduler(None, Lease(kv, "x"))  # type: ignore[arg-type]
    job = scheduler.get_job("weekly_bulletin")
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=clock.SHANGHAI)
    assert job.trigger.get_next_fire_time(None, monday - timedelta(days=3)) == monday
    clock.advance(monday - clock.now())
    await bulletin_sweeps.weekly(Services(kv=kv, public_url="https://linli.example.org"))
    keys = await OutboxMessage.all().values_list("key", flat=True)
    assert keys and all(k.startswith("bulletin:2026-W47:") for k in keys)
    # the last line links to the week's page in the console (LINLI_PUBLIC_URL)
    last = await OutboxMessage.filter(openid="adm2").order_by("-id").first()
    assert last.payload["text"].endswith(
        "网页版（图表、可打印）：https://linli.example.org/console/bulletin/2026-W47")
