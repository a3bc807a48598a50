"""/metrics: request counts and latency of the webhook, API, Open311 and console by route
template, the backlog gauges counted in the database (cached between scrapes), and the
directory where `linli serve --workers N` has its workers' metrics meet. The scrape across
real worker processes is in test_processes.py."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bot import scrape
from bot.cli.serve import metrics_dir
from bot.metrics import REGISTRY
from handlers import backlog, outbox
from storage import clock
from storage.core.models import Photo, PhotoStatus
from storage.reports.models import Case, CaseStatus

ROUTES = [  # (surface, route, method, status) of the requests the test makes
    ("api", "/api/v1/privacy", "GET", "2xx"),
    ("api", "/api/v1/reports/{number}", "GET", "4xx"),
    ("open311", "/open311/v2/services.{fmt}", "GET", "2xx"),
    ("console", "/console/login", "GET", "2xx"),
    ("webhook", "/wechat", "POST", "2xx"),
]


def _count(surface: str, route: str, method: str, status: str) -> float:
    return REGISTRY.get_sample_value("linli_http_requests_total", {
        "surface": surface, "route": route, "method": method, "status": status}) or 0.0


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def _backlog_rows() -> None:
    now = clock.now()
    await outbox.enqueue("o-m1", "到期", key="m-due", urgent=True)
    row = await outbox.enqueue("o-m1", "以后", key="m-later", urgent=True)
    row.next_attempt_at = now + timedelta(hours=1)
    await row.save()
    for i, status in enumerate((PhotoStatus.PENDING, PhotoStatus.STORED)):
        await Photo.create(media_id=f"m-media-{i}", owner_kind="report", owner_id="A1",
                           openid="o-m1", status=status, next_attempt_at=now, received_at=now)
    for i, (status, overdue) in enumerate([(CaseStatus.ACCEPTED, True),
                                           (CaseStatus.CLOSED, True),
                                           (CaseStatus.SUBMITTED, False)]):
        await Case.create(number=f"A90{i}", reporter_openid="o-m1", category_code="road",
                          status=status, overdue=overdue)


async def test_requests_by_route_and_the_backlog(bot):
    await _backlog_rows()
    before = {key: _count(*key) for key in ROUTES}
    http = bot.client
    assert (await http.get("/api/v1/privacy")).status == 200
    assert (await http.get("/api/v1/reports/A99999")).status in (401, 404)
    assert (await http.get("/open311/v2/services.json?api_key=nope")).status == 200
    assert (await http.get("/console/login")).status == 200
    assert "功能菜单" in await bot.say("o-m2", "帮助")
    text = await (await http.get("/metrics")).text()
    samples = _samples(text)
    for key in ROUTES:
        labels = tuple(sorted(zip(("surface", "route", "method", "status"), key, strict=True)))
        assert samples[("linli_http_requests_total", labels)] == before[key] + 1, key
    # Latency by route template (no status): a histogram with its count.
    assert samples[("linli_http_request_seconds_count", (
        ("method", "GET"), ("route", "/api/v1/privacy"), ("surface", "api")))] >= 1
    assert "A99999" not in text and "api_key" not in text
    assert not any(dict(labels).get("route") in ("/healthz", "/metrics")
                   for _, labels in samples)  # only the public surfaces
    assert samples[("linli_outbox_due", ())] == 1
    assert samples[("linli_photos_waiting", ())] == 1
    assert samples[("linli_cases_overdue", ())] == 1
    # Counted at most every 10 s: scrapes in between see the last count.
    await Case.create(number="A909", reporter_openid="o-m1", category_code="road",
                      status=CaseStatus.DISPATCHED, overdue=True)
    again = _samples(await (await http.get("/metrics")).text())
    assert again[("linli_cases_overdue", ())] == 1
    assert (await backlog.count()).cases_overdue == 2


async def test_a_scrape_goes_on_without_the_database(monkeypatch):
    async def down() -> backlog.Backlog:
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr(backlog, "count", down)
    collector = scrape.BacklogCollector()
    await collector.refresh()
    assert list(collector.collect()) == []


def test_the_workers_metrics_directory(tmp_path, monkeypatch):
    monkeypatch.delenv(scrape.MULTIPROC_ENV, raising=False)
    with metrics_dir() as made:
        assert os.environ[scrape.MULTIPROC_ENV] == made
        (Path(made) / "counter_1.db").write_bytes(b"")
    assert not Path(made).exists() and scrape.MULTIPROC_ENV not in os.environ
    # An operator's directory is used as it is, less the files of a previous run.
    given = tmp_path / "prom"
    given.mkdir()
    (given / "counter_99.db").write_bytes(b"old")
    (given / "README").write_text("kept")
    monkeypatch.setenv(scrape.MULTIPROC_ENV, str(given))
    with metrics_dir() as used:
        assert used == str(given) and [p.name for p in given.iterdir()] == ["README"]
    assert given.exists()
