"""Database lifecycle: tortoise config from a URL, init/close, migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise import Tortoise

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


def tortoise_config(database_url: str) -> dict[str, Any]:
    url = normalise_url(database_url)
    if url.startswith("sqlite://") and url not in ("sqlite://:memory:",):
        path = Path(url.removeprefix("sqlite://"))
        path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "connections": {"default": url},
        "apps": {label: {**app, "default_connection": "default"} for label, app in APPS.items()},
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(database_url: str) -> None:
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


async def migrate(database_url: str) -> None:
    """Apply every committed migration (tortoise's built-in migration engine)."""
    from tortoise.migrations.api import migrate as run_migrations

    try:
        await run_migrations(config=tortoise_config(database_url))
    finally:
        # An open aiosqlite thread would keep the process alive after a failure.
        await Tortoise.close_connections()


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
