"""``linli doctor``'s checks of how linli is set up: the configuration and the migrations."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import Tortoise
from tortoise.migrations.loader import MigrationLoader
from tortoise.migrations.recorder import MigrationRecorder

from bot.config import SANDBOX_SECRET, Settings
from storage.db import APPS, display_url, missing_table

OK, WARN, FAIL = "OK", "WARN", "FAIL"
MIGRATIONS_TABLE = "tortoise_migrations"


@dataclass
class Check:
    level: str
    name: str
    detail: str

    def __str__(self) -> str:
        return f"{self.level:<5}{self.name}: {self.detail}"


def configuration(settings: Settings) -> list[Check]:
    """What the settings leave out that production wants (each a WARN), or one OK."""
    found = [Check(WARN, "configuration", text) for text in _gaps(settings)]
    if found:
        return found
    kind = "the built-in sandbox" if settings.sandbox else settings.wechat_api_base
    return [Check(OK, "configuration", f"AppID {settings.wechat_appid}, WeChat at {kind}")]


def _gaps(settings: Settings) -> list[str]:
    if settings.sandbox or settings.wechat_secret == SANDBOX_SECRET:
        which = ("the built-in sandbox" if settings.sandbox
                 else f"the sandbox at {settings.wechat_api_base}")
        return [f"{which} plays WeChat: fine for a demo, but no real follower reaches this "
                "service (set LINLI_WECHAT_APPID, LINLI_WECHAT_SECRET and LINLI_WECHAT_TOKEN "
                "from the account; see docs/wechat-setup.md)"]
    gaps = []
    if not settings.wechat_aes_key:
        gaps.append("no LINLI_WECHAT_AES_KEY: messages travel unencrypted (plain-text mode); "
                    "set the account's EncodingAESKey and choose the safe mode")
    if not settings.public_url:
        gaps.append("no LINLI_PUBLIC_URL: links people get (data downloads, console "
                    "sign-in) are bare paths; set it to the https address people reach")
    elif settings.public_url.startswith("https://") and not settings.trusted_proxies:
        gaps.append("LINLI_PUBLIC_URL is https but LINLI_TRUSTED_PROXIES is unset: behind "
                    "the TLS proxy every request seems to come from the proxy (rate limits, "
                    "logs); set it to the proxy's address")
    elif not settings.public_url.startswith("https://"):
        gaps.append("LINLI_PUBLIC_URL is not https: the mini-program may call only https "
                    "domains")
    if settings.embedded_redis:
        gaps.append("no LINLI_REDIS_URL: the in-process Redis forgets sessions and token "
                    "locks at every restart; point it at a real Redis")
    if settings.embedded_database:
        gaps.append("SQLite serves one process only; production wants PostgreSQL in "
                    "LINLI_DATABASE_URL")
    return gaps


def where(database_url: str) -> str:
    """The database as an operator names it (never the user or password)."""
    kind = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
    return f"{kind} {display_url(database_url)}"


async def migrations(settings: Settings) -> Check:
    """Every migration on disk recorded as applied in the database (tortoise's table)."""
    loader = MigrationLoader({label: dict(app) for label, app in APPS.items()},
                             MigrationRecorder(None))
    loader.load_disk()
    disk = {(key.app_label, key.name) for key in loader.disk_migrations}
    connection = Tortoise.get_connection("default")
    try:
        _, rows = await connection.execute_query(
            f'SELECT "app", "name" FROM "{MIGRATIONS_TABLE}"')
    except Exception as exc:
        if not missing_table(exc):
            raise
        return Check(FAIL, "migrations", f"{where(settings.database_url)} has no linli tables: "
                     "run `linli migrate` (is LINLI_DATABASE_URL the right database?)")
    applied = {(row["app"], row["name"]) for row in rows}
    missing = sorted(disk - applied)
    if missing:
        names = ", ".join(f"{app}.{name}" for app, name in missing)
        return Check(FAIL, "migrations", f"{len(missing)} of {len(disk)} not applied ({names}): "
                     "run `linli migrate`")
    unknown = sorted(applied - disk)
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown)
        return Check(WARN, "migrations", f"the database has migrations this linli does not "
                     f"know ({names}): a newer version migrated it; run that version")
    return Check(OK, "migrations", f"all {len(disk)} applied")
