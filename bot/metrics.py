"""Prometheus metrics, served at /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from handlers import guesses

REGISTRY = CollectorRegistry(auto_describe=True)

# Counters of lower layers (which cannot import bot) are registered here.
for _collector in guesses.COLLECTORS:
    REGISTRY.register(_collector)

MESSAGES = Counter(
    "linli_inbound_messages", "Inbound WeChat callbacks by message type",
    ["type"], registry=REGISTRY,
)
HANDLING_SECONDS = Histogram(
    "linli_handling_seconds", "Time from receiving a callback to answering it",
    ["type"], registry=REGISTRY,
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 5, 10),
)
DEDUP_HITS = Counter(
    "linli_dedup_hits", "Repeated deliveries of a message already seen",
    ["layer"], registry=REGISTRY,  # layer: redis | database
)
DEADLINE_FALLBACKS = Counter(
    "linli_deadline_fallbacks", "Replies that missed the passive-reply deadline and went by API",
    registry=REGISTRY,
)
WECHAT_API_ERRORS = Counter(
    "linli_wechat_api_errors", "Errors returned by the WeChat API, by errcode",
    ["endpoint", "code"], registry=REGISTRY,
)
WECHAT_API_CALLS = Counter(
    "linli_wechat_api_calls", "Calls made to the WeChat API", ["endpoint"], registry=REGISTRY,
)
OUTBOX = Counter(
    "linli_outbox", "Outbox deliveries by result", ["result"], registry=REGISTRY,
)
# Every request of the public surfaces (bot.requests): the route is the route's template
# (``/api/v1/reports/{number}``, ``unmatched`` for no route), never a path with ids in it.
HTTP_REQUESTS = Counter(
    "linli_http_requests", "Requests of the webhook, API, Open311 and console",
    ["surface", "route", "method", "status"], registry=REGISTRY,  # status: 2xx, 4xx...
)
HTTP_SECONDS = Histogram(
    "linli_http_request_seconds", "Time from a request's arrival to its answer",
    ["surface", "route", "method"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
