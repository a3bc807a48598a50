"""Database lifecycle: tortoise config from a URL, init/close, migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url

from storage import facts

# One app label per package storage/<label>/ (models + migrations), so domains evolve their
# schema independently. The labels are what migrations and the database's migration records
# refer to: never rename them.
APPS: dict[str, dict[str, Any]] = {
    "core": {"models": ["storage.core.models"], "migrations": "storage.core.migrations"},
    "ledger": {"models": ["storage.ledger.models"], "migrations": "storage.ledger.migrations"},
    "geo": {"models": ["storage.geo.models"], "migrations": "storage.geo.migrations"},
    "reports": {"models": ["storage.reports.models"],
                "migrations": "storage.reports.migrations"},
}


# tortoise's asyncpg pool defaults to 5 connections; 50 concurrent callbacks then queue for
# them and the tail latency grows (measured in docs/benchmarks.md). An explicit
# maxsize in LINLI_DATABASE_URL wins.
PG_POOL_MAXSIZE = 20


def normalise_url(url: str) -> str:
    if url.startswith(("postgresql://", "asyncpg://")):
        url = "postgres://" + url.split("://", 1)[1]
    if url.startswith("postgres://") and "maxsize=" not in url:
        url += ("&" if "?" in url else "?") + f"maxsize={PG_POOL_MAXSIZE}"
    return url


async def _keep_session(connection: Any) -> None:
    """The pool's reset on release, without asyncpg's default reset query.

    asyncpg still rolls back a transaction left open (``Connection._reset``) and drops
    listeners; the query it would send besides (``pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL``) undoes session state linli never sets (no advisory locks,
    cursors, LISTEN or SET), and costs one round trip per statement run outside a
    transaction - as many as the statements themselves (issue 17, docs/benchmarks.md).
    """


def _connection(url: str) -> str | dict[str, Any]:
    if not url.startswith("postgres://"):
        return url
    config = expand_db_url(url)
    config["credentials"]["reset"] = _keep_session
    # tortoise's asyncpg client, its pool serving waiters in order (storage/asyncpg_pool.py)
    config["engine"] = "storage.asyncpg_pool"
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    url = normalise_url(database_url)
    if url.startswith("sqlite://") and url not in ("sqlite://:memory:",):
        path = Path(url.removeprefix("sqlite://"))
        path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "connections": {"default": _connection(url)},
        "apps": {label: {**app, "default_connection": "default"} for label, app in APPS.items()},
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(database_url: str) -> None:
    facts.forget_recent()  # a version read from another database means nothing here
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_db() -> None:
    facts.forget_recent()
    await Tortoise.close_connections()


async def migrate(database_url: str) -> None:
    """Apply every committed migration (tortoise's built-in migration engine)."""
    from tortoise.migrations.api import migrate as run_migrations

    try:
        await run_migrations(config=tortoise_config(database_url))
    except Exception as exc:
        if not _unreachable(exc):  # a broken migration is a bug: keep its traceback
            raise
        raise Unreachable(database_url, exc) from exc
    finally:
        # An open aiosqlite thread would keep the process alive after a failure.
        await Tortoise.close_connections()


class NotMigrated(Exception):
    """The database has none of linli's tables (or lacks some): ``linli migrate`` first."""

    def __init__(self, database_url: str, *, empty: bool = True, missing: bool = False) -> None:
        self.where = display_url(database_url)
        self.empty = empty
        if missing:
            text = f"there is no database at {self.where} (no such file): run `linli migrate`"
        else:
            state = "empty (never migrated)" if empty else "not migrated to this version"
            text = f"the database at {self.where} is {state}: run `linli migrate`"
        super().__init__(text)


def display_url(database_url: str) -> str:
    """Where a database is, for messages: a SQLite file's path, or host:port/db of a
    PostgreSQL server (never the user or password)."""
    path = sqlite_path(database_url)
    if path is not None:
        return str(path)
    if database_url.startswith("sqlite://"):
        return database_url
    parts = urlsplit(normalise_url(database_url))
    host = parts.hostname or "localhost"
    return f"{host}:{parts.port or 5432}{parts.path}"


def sqlite_path(database_url: str) -> Path | None:
    """The file of a ``sqlite://`` URL (None for PostgreSQL and ``:memory:``)."""
    if not database_url.startswith("sqlite://") or database_url == "sqlite://:memory:":
        return None
    return Path(database_url.removeprefix("sqlite://").split("?", 1)[0])


class Unreachable(Exception):
    """The database server cannot be reached (refused, unknown host, wrong credentials, no
    such database) or the SQLite file cannot be opened."""

    def __init__(self, database_url: str, cause: BaseException) -> None:
        self.where = display_url(database_url)
        detail = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        self.detail = detail or type(cause).__name__
        kind = "the SQLite database" if database_url.startswith("sqlite") else "PostgreSQL"
        verb = "open" if database_url.startswith("sqlite") else "reach"
        super().__init__(f"cannot {verb} {kind} at {self.where} ({self.detail})")


async def init_migrated_db(database_url: str) -> None:
    """``init_db``, refusing a database ``linli migrate`` never ran on (NotMigrated; a
    SQLite file that does not exist is not created) and one that cannot be reached
    (Unreachable)."""
    path = sqlite_path(database_url)
    if path is not None and not path.exists():
        raise NotMigrated(database_url, missing=True)
    try:
        await init_db(database_url)
        migrated = await _has_migrations()
    except BaseException as exc:
        await close_db()
        if isinstance(exc, Exception) and _unreachable(exc):
            raise Unreachable(database_url, exc) from exc
        raise
    if not migrated:
        await close_db()
        raise NotMigrated(database_url)


def _unreachable(exc: Exception) -> bool:
    """True for what opening a database raises when its server or file cannot be reached:
    refused, unknown host, timeout (OSError), wrong credentials or no such database
    (asyncpg's errors at connect, tortoise's DBConnectionError), an unopenable SQLite file."""
    from tortoise.exceptions import DBConnectionError, OperationalError

    if isinstance(exc, (OSError, DBConnectionError)):
        return True
    if isinstance(exc, OperationalError):
        return "unable to open database file" in str(exc)
    return type(exc).__module__.startswith("asyncpg")


def missing_table(exc: BaseException) -> bool:
    """True for the error of a query on a table that does not exist (SQLite, PostgreSQL)."""
    text = str(exc)
    return "no such table" in text or ("relation" in text and "does not exist" in text)


async def _has_migrations() -> bool:
    from tortoise.exceptions import OperationalError

    conn = Tortoise.get_connection("default")
    try:
        _, rows = await conn.execute_query('SELECT COUNT(*) AS n FROM "tortoise_migrations"')
    except OperationalError as exc:
        if missing_table(exc):
            return False
        raise
    return bool(rows) and int(rows[0]["n"]) > 0


async def ping() -> None:
    conn = Tortoise.get_connection("default")
    await conn.execute_query("SELECT 1")


# For the developer tool only: `tortoise -c storage.db.MIGRATIONS_CONFIG makemigrations`.
MIGRATIONS_CONFIG = {
    "connections": {"default": "sqlite://:memory:"},
    "apps": {label: {**app, "default_connection": "default"} for label, app in APPS.items()},
    "use_tz": True,
    "timezone": "UTC",
}
