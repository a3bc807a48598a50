"""``GET /metrics``: the Prometheus exposition of this process, or of every worker.

With ``PROMETHEUS_MULTIPROC_DIR`` set (``linli serve --workers N`` sets it for its workers,
``bot.cli.serve``) every process writes its counters and histograms to files there and a
scrape, whichever worker answers it, merges all of them (prometheus_client's multiprocess
mode). Otherwise it is this process's ``bot.metrics.REGISTRY``.

The backlog gauges (``handlers.backlog``: outbox due, photos waiting, overdue cases) are
counted in the database by the process that answers the scrape, at most once per
``BACKLOG_TTL`` seconds; they are not per-process values, so they are never written to the
multiprocess files. If the database does not answer, the scrape goes on without them.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from bot import metrics
from handlers import backlog

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
BACKLOG_TTL = 10.0  # seconds: scrapes in between see the last count
BACKLOG = (("outbox_due", "linli_outbox_due", "Pushes due now and not yet sent"),
           ("photos_waiting", "linli_photos_waiting", "Photos waiting to be downloaded"),
           ("cases_overdue", "linli_cases_overdue", "Open cases past their SLA deadline"))
log = logging.getLogger(__name__)


class BacklogCollector:
    """The backlog gauges from the last count (``refresh`` before each scrape)."""

    def __init__(self, ttl: float = BACKLOG_TTL) -> None:
        self.ttl = ttl
        self.value: backlog.Backlog | None = None
        self._counted_at = float("-inf")

    async def refresh(self) -> None:
        if time.monotonic() - self._counted_at < self.ttl:
            return
        self._counted_at = time.monotonic()  # a failure is not retried at every scrape either
        try:
            self.value = await backlog.count()
        except Exception as exc:
            log.warning("backlog gauges unavailable: %s", type(exc).__name__)
            self.value = None

    def collect(self) -> Iterator[Metric]:
        if self.value is None:
            return
        for field, name, documentation in BACKLOG:
            yield GaugeMetricFamily(name, documentation, value=getattr(self.value, field))


class Scrape:
    """One app's /metrics: the registry it exposes and its backlog collector."""

    def __init__(self, multiprocess_dir: str | None = None) -> None:
        self.backlog = BacklogCollector()
        self.registry = CollectorRegistry(auto_describe=False)
        self.multiprocess = bool(multiprocess_dir)
        if self.multiprocess:
            MultiProcessCollector(self.registry, path=multiprocess_dir)
        else:
            self.registry.register(metrics.REGISTRY)  # a registry is a collector
        self.registry.register(self.backlog)

    async def view(self, request: web.Request) -> web.Response:
        await self.backlog.refresh()
        return web.Response(body=generate_latest(self.registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_routes(app: web.Application) -> None:
    scrape = Scrape(os.environ.get(MULTIPROC_ENV) or None)
    app.router.add_get("/metrics", scrape.view)
