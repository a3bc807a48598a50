"""Structured JSON logs with a request id and a hashed openid (never the openid itself)."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time

from storage.redact import hash_openid

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
person: contextvars.ContextVar[str] = contextvars.ContextVar("person", default="-")

__all__ = ["JsonFormatter", "hash_openid", "person", "request_id", "setup"]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": request_id.get(),
            "person": person.get(),
        }
        for key in ("kind", "elapsed_ms", "status", "repeat", "late"):
            if hasattr(record, key):
                doc[key] = getattr(record, key)
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False)


def setup(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("tortoise").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
