"""Expected failures of a ``linli`` command, as one line for the operator and an exit code.

``explain(exc)`` looks at the exception and what caused it (tortoise wraps the driver's
errors): a configuration error or a database ``linli migrate`` never ran on is exit 2
(configuration), an unreachable PostgreSQL or Redis exit 1 (failed). Anything else is a
bug and keeps its traceback (``explain`` returns None).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

OK, FAILED, USAGE = 0, 1, 2
# The reader of the output went away (``linli reports list | head -1``): what a command
# killed by SIGPIPE reports in the shell (128 + 13).
BROKEN_PIPE = 141
INTERRUPTED = 130

EXIT_CODES = """exit codes:
  0    done
  1    failed: the database or Redis cannot be reached, or the command was refused
       (an unknown person, a key in use, …); the reason is one line on stderr
  2    usage or configuration: a wrong argument, a wrong LINLI_* setting, or a database
       `linli migrate` has not run on (the message names the database)
  130  interrupted (Ctrl-C)
  141  the output's reader went away (`linli reports list | head -1`); no traceback
Anything else prints a traceback: that is a bug, please report it."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        suppressed = current.__suppress_context__
        current = current.__cause__ or (None if suppressed else current.__context__)


def explain(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one line for stderr) for an expected failure; None for a bug."""
    for cause in _chain(exc):
        found = _one(cause)
        if found is not None:
            return found
    return None


def _one(exc: BaseException) -> tuple[int, str] | None:
    from bot.config import ConfigError
    from storage.db import NotMigrated, Unreachable, missing_table

    if isinstance(exc, ConfigError):
        return USAGE, f"configuration error: {exc}"
    if isinstance(exc, NotMigrated):
        return USAGE, f"error: {exc}"
    if isinstance(exc, Unreachable):
        return FAILED, f"error: {exc}"
    module = type(exc).__module__
    if module.startswith("redis") and _is_redis_connection(exc):
        return FAILED, f"error: cannot reach Redis at {_redis_where()} ({_detail(exc)})"
    if module.startswith("tortoise") and missing_table(exc):
        # Migrated once, but not to this version (a table of a newer migration is missing).
        return USAGE, f"error: {NotMigrated(_database_url(), empty=False)}"
    return None


def _is_redis_connection(exc: BaseException) -> bool:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout

    return isinstance(exc, (RedisConnectionError, RedisTimeout))


def _detail(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _database_url() -> str:
    from bot.config import default_database_url

    return (os.environ.get("LINLI_DATABASE_URL") or "").strip() or default_database_url()


def _redis_where() -> str:
    url = (os.environ.get("LINLI_REDIS_URL") or "").strip()
    if not url:
        return "(in-process)"
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path}"


def quiet_broken_pipe() -> int:
    """The reader went away: send what is left of stdout nowhere (no second error when
    Python flushes it at exit). Python's documented recipe (signal's "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is no file (a test's capture)
        pass
    return BROKEN_PIPE
