"""Structured JSON logs with a request id and a hashed openid (never the openid itself).

Code logs people by ``hash_openid(openid)`` (``storage.redact``). As a safety net for what
slips through (an exception message quoting an openid, a database error quoting the value it
refused), ``install()`` hooks the creation of every log record, whatever logger or handler,
and rewrites it before any handler sees it:

- the openid of the person the current request is about (``about(openid)``, set by the
  webhook and the API), and anything shaped like a WeChat openid, become their hash, in the
  message and in the traceback;
- the messages of database errors in a traceback (tortoise's ValidationError,
  IntegrityError, ..., and the drivers' errors they wrap) lose the values they quote.

The traceback text is rendered once, scrubbed, and kept as the record's ``exc_text``, which
every ``logging.Formatter`` prints instead of rendering the exception again. ``RedactFilter``
does the same on our own handler, for records made before ``install()`` ran.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import time
import traceback
from collections.abc import Iterator
from types import TracebackType

import orjson

from storage.redact import hash_openid

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
person: contextvars.ContextVar[str] = contextvars.ContextVar("person", default="-")
# The raw openid behind ``person``: only ever used to find it in log text and replace it.
_raw_person: contextvars.ContextVar[str | None] = contextvars.ContextVar("raw_person",
                                                                         default=None)

__all__ = ["JsonFormatter", "RedactFilter", "about", "hash_openid", "install", "person",
           "request_id", "scrub", "setup"]

# An Official Account / mini-program openid: 28 URL-safe base64 characters, "o" first, with
# upper case and digits (which keeps ordinary identifiers in tracebacks out of it).
OPENID_SHAPE = re.compile(r"(?<![\w-])o(?=[\w-]{0,26}[A-Z])(?=[\w-]{0,26}\d)[\w-]{27}(?![\w-])")
MIN_KNOWN = 4  # shorter "openids" (test and sandbox names) are not searched for
# Errors whose messages quote stored values: tortoise's, and the database drivers'.
DB_MODULES = ("tortoise", "asyncpg", "sqlite3", "aiosqlite", "pypika")
_QUOTED = re.compile(r"'[^'\n]*'")
_KEY_VALUE = re.compile(r"\)=\([^\n]*?\)")
_TRAILING_VALUE = re.compile(r': "[^"\n]*"$', re.MULTILINE)
WITHHELD = "<withheld>"
# Fields a log call may add (``extra=``): the access log's (bot.requests), with the webhook's
# kind, repeat and late.
EXTRA_FIELDS = ("method", "path", "route", "status", "duration_ms", "bytes", "remote", "kind",
                "repeat", "late")


def about(openid: str) -> None:
    """The current request acts for ``openid``: its log lines name the hash of it."""
    person.set(hash_openid(openid))
    _raw_person.set(openid)


def scrub(text: str) -> str:
    """``text`` with the current person's openid and anything shaped like an openid hashed."""
    raw = _raw_person.get()
    if raw and len(raw) >= MIN_KNOWN and raw in text:
        text = text.replace(raw, hash_openid(raw))
    return OPENID_SHAPE.sub(lambda m: hash_openid(m.group()), text)


def db_message(message: str) -> str:
    """A database error's message without the values it quotes: ``'...'`` literals,
    ``Key (col)=(value)`` details and a trailing ``: "value"``; identifiers stay."""
    message = _QUOTED.sub(f"'{WITHHELD}'", message)
    message = _KEY_VALUE.sub(f")=({WITHHELD})", message)
    return _TRAILING_VALUE.sub(f': "{WITHHELD}"', message)


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [e.__cause__, e.__context__, *getattr(e, "exceptions", ())]


def format_exception(exc_info: tuple[type[BaseException], BaseException, TracebackType | None]
                     ) -> str:
    """The traceback as ``logging`` prints it, with database errors' values withheld and
    openids hashed."""
    text = "".join(traceback.format_exception(*exc_info)).rstrip("\n")
    for e in _chain(exc_info[1]):
        if type(e).__module__.split(".")[0] in DB_MODULES:
            message = str(e)
            if message:
                text = text.replace(message, db_message(message))
    return scrub(text)


def redact(record: logging.LogRecord) -> None:
    """Rewrite ``record`` in place (once) so that no raw openid or stored value is in it."""
    if getattr(record, "linli_redacted", False):
        return
    # The request's id and person as the record is made (a handler may format it later).
    record.linli_redacted = True
    record.linli_request_id = request_id.get()
    record.linli_person = person.get()
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging reports it when it formats
        message = None
    if message is not None:
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = format_exception(record.exc_info)
    elif record.exc_text:
        record.exc_text = scrub(record.exc_text)


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        redact(record)
        return True


def install() -> None:
    """Redact every log record as it is made (process-wide, idempotent)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "linli_redacts", False):
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = current(*args, **kwargs)
        redact(record)
        return record

    factory.linli_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    # The last formatted record's whole second and its text: one strftime a second. One tuple,
    # replaced whole, so a thread never pairs one second with another's text.
    _second: tuple[int, str] = (-1, "")

    def _ts(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        cached = self._second
        if cached[0] != second:
            cached = self._second = (second, time.strftime("%Y-%m-%dT%H:%M:%S",
                                                           time.gmtime(second)))
        return f"{cached[1]}.{int(record.msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        redact(record)
        doc = {
            "ts": self._ts(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "linli_request_id", request_id.get()),
            "person": getattr(record, "linli_person", person.get()),
        }
        attrs = record.__dict__
        for key in EXTRA_FIELDS:
            if key in attrs:
                doc[key] = attrs[key]
        if record.exc_text:
            doc["exc"] = record.exc_text
        # orjson: a tenth of json.dumps's time (an access line per request); UTF-8 as is, and
        # a value JSON has no type for is written as its str() instead of losing the line.
        return orjson.dumps(doc, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def setup(level: str = "INFO") -> None:
    install()
    # The JSON lines name no thread, process or source line: a record need not look them up
    # (with one access line per request, LogRecord's own lookups were a third of its cost).
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None  # no caller search (documented: "set to None to avoid it")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("tortoise").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
