"""Settings from LINLI_* environment variables, validated once at start.

Nothing here runs at import time: call ``Settings.from_env()`` in the entry point.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from bot import loops
from bot.wechat.values import DEFAULT_NOTICE_KEYS, notice_keys
from handlers.context import Retention

SANDBOX = "sandbox"
SANDBOX_APPID = "wx5a9d0c1e00000000"
SANDBOX_SECRET = "linli-sandbox-secret"
SANDBOX_TOKEN = "linlisandboxtoken"
# The built-in sandbox knows this template, so pushes outside the 48 h window show in a demo.
SANDBOX_TEMPLATE = "linli-sandbox-progress"
PRODUCTION_API_BASE = "https://api.weixin.qq.com"
DEFAULT_TIMESTAMP_SKEW = 300


def data_dir(env: Mapping[str, str] | None = None, *, checkout: Path | None = None) -> Path:
    """Where the embedded defaults keep the SQLite database and the photos, whatever the
    working directory: ``var/`` of the source checkout linli runs from (``make run``, an
    editable install), else ``$XDG_DATA_HOME/linli`` (``~/.local/share/linli``)."""
    checkout = checkout or Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file():
        return checkout / "var"
    env = os.environ if env is None else env
    return Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "linli"


def default_database_url(env: Mapping[str, str] | None = None) -> str:
    """LINLI_DATABASE_URL when unset: a SQLite file in ``data_dir()``."""
    return f"sqlite://{data_dir(env) / 'linli.sqlite3'}"


def default_media_dir(env: Mapping[str, str] | None = None) -> Path:
    """LINLI_MEDIA_DIR when unset: ``media/`` in ``data_dir()``."""
    return data_dir(env) / "media"


class ConfigError(ValueError):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    wechat_token: str = SANDBOX_TOKEN
    wechat_appid: str = SANDBOX_APPID
    wechat_secret: str = SANDBOX_SECRET
    wechat_aes_key: str | None = None
    wechat_aes_key_previous: str | None = None
    wechat_timestamp_skew: int = DEFAULT_TIMESTAMP_SKEW
    database_url: str = field(default_factory=default_database_url)
    redis_url: str | None = None
    wechat_api_base: str = SANDBOX
    media_dir: Path = field(default_factory=default_media_dir)
    redis_prefix: str = "linli:"
    # Passive replies must leave within WeChat's 5 s; past this we answer "success" and
    # deliver the reply through the customer-service API.
    reply_deadline: float = 4.0
    # Progress pushes outside the 48 h window, each used only for people who granted it:
    # the Official Account's subscription notice (订阅通知, sent with subscribe/bizsend;
    # LINLI_WECHAT_SUBSCRIBE_PROGRESS) and the mini-program's subscribe message (subscribe/
    # send; LINLI_MINIAPP_SUBSCRIBE_PROGRESS, defaulting to the former when the mini-program
    # shares the Official Account's AppID); and a template message for everyone else
    # (verified service accounts; LINLI_WECHAT_TEMPLATE_PROGRESS).
    subscribe_template_progress: str | None = None
    template_progress: str | None = None
    miniapp_subscribe_progress: str | None = None
    # Long-term subscription templates (长期订阅, granted to government, medical, transport
    # and education accounts): comma-separated template ids whose grant a send does not use up
    # (LINLI_WECHAT_SUBSCRIBE_LONG_TERM).
    subscribe_long_term: tuple[str, ...] = ()
    # Each template's keys for the notice's title, status, text and time, in that order,
    # comma-separated; an empty place leaves the field out (bot.wechat.values.notice_keys).
    # Every value is cut to its key type's limit (thing 20, phrase 5, ...; template messages
    # 20 at most). LINLI_WECHAT_SUBSCRIBE_PROGRESS_KEYS, LINLI_MINIAPP_SUBSCRIBE_PROGRESS_KEYS,
    # LINLI_WECHAT_TEMPLATE_PROGRESS_KEYS; default "thing1,phrase2,thing3,time4".
    subscribe_progress_keys: str = DEFAULT_NOTICE_KEYS
    miniapp_subscribe_progress_keys: str = DEFAULT_NOTICE_KEYS
    template_progress_keys: str = DEFAULT_NOTICE_KEYS
    # Mini-program API (/api/v1): session lifetime, and requests per minute per person
    # (writes: a quarter of it) and per client address.
    api_session_ttl: int = 7 * 24 * 3600
    api_rate_person: int = 120
    api_rate_ip: int = 600
    # The sandbox's login mints a session for any openid (admins' too): it is served on
    # loopback addresses only, unless LINLI_SANDBOX_PUBLIC=1 says otherwise.
    sandbox_public: bool = False
    # How long personal details are kept (days; drafts in hours): the retention sweep and
    # the privacy notice both read these.
    retention_wish_contact_days: int = Retention.wish_contact_days
    retention_wish_photo_days: int = Retention.wish_photo_days
    retention_case_location_days: int = Retention.case_location_days
    retention_processed_message_days: int = Retention.processed_message_days
    retention_draft_hours: int = Retention.draft_hours
    # 注销 of a staff member keeps their name and role (case histories say who acted).
    privacy_keep_staff_history: bool = True
    # The web app's address as people reach it (我的数据's download link), e.g.
    # https://linli.example.gov.cn; empty: the link is a path only.
    public_url: str = ""
    # The mini-program as its own WeChat app (LINLI_MINIAPP_APPID / LINLI_MINIAPP_SECRET): its
    # logins and subscribe messages use these, and people are matched across the two apps by
    # UnionID. Unset: the mini-program shares the Official Account's AppID (one openid).
    miniapp_appid: str | None = None
    miniapp_secret: str | None = None
    # Addresses/CIDRs of reverse proxies whose X-Forwarded-For/-Proto/-Host and X-Request-ID
    # are believed (LINLI_TRUSTED_PROXIES, comma-separated). Empty: those headers are ignored.
    trusted_proxies: tuple[str, ...] = ()
    # Where photos live: "dir" (files under media_dir) or "database" (PostgreSQL/SQLite rows,
    # so every node and every backup has them).
    media_store: str = "dir"
    # The event loop of `linli serve` and `linli scheduler` (LINLI_EVENT_LOOP): uvloop where it
    # is installed, else asyncio (bot/loops.py).
    event_loop: str = "asyncio"
    # Scripts of concurrent messages written to Redis together on one shared connection
    # (LINLI_REDIS_AUTOPIPELINE, default on; storage/redis_mux.py). Off: a pooled connection
    # and a round trip of its own for every command.
    redis_autopipeline: bool = True

    @property
    def retention(self) -> Retention:
        return Retention(wish_contact_days=self.retention_wish_contact_days,
                         wish_photo_days=self.retention_wish_photo_days,
                         case_location_days=self.retention_case_location_days,
                         processed_message_days=self.retention_processed_message_days,
                         draft_hours=self.retention_draft_hours)

    @property
    def sandbox(self) -> bool:
        """True when the built-in sandbox stands in for WeChat's servers."""
        return self.wechat_api_base == SANDBOX

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url is None

    @property
    def embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731
        secret = get("LINLI_WECHAT_SECRET")
        api_base = get("LINLI_WECHAT_API_BASE")
        if api_base is None:
            api_base = PRODUCTION_API_BASE if secret else SANDBOX
        sandbox = api_base == SANDBOX
        # The sandbox's own, public credentials: the built-in sandbox, or `linli sandbox` run
        # as its own process (LINLI_WECHAT_API_BASE=http://127.0.0.1:8081).
        sandbox_keys = sandbox or secret == SANDBOX_SECRET
        if not sandbox and sandbox_keys and api_base.rstrip("/") == PRODUCTION_API_BASE:
            raise ConfigError(
                "LINLI_WECHAT_SECRET is the sandbox's secret but the real WeChat API is selected; "
                "set LINLI_WECHAT_API_BASE to the sandbox run by `linli sandbox` (e.g. "
                "http://127.0.0.1:8081), or unset LINLI_WECHAT_SECRET for the built-in sandbox"
            )
        if sandbox and secret and secret != SANDBOX_SECRET:
            raise ConfigError(
                "LINLI_WECHAT_SECRET is a real secret but the WeChat sandbox is selected; "
                "set LINLI_WECHAT_API_BASE to the real API (or unset it) to use real credentials, "
                "or unset LINLI_WECHAT_SECRET to use the sandbox"
            )
        if not sandbox and not secret:
            raise ConfigError(
                f"LINLI_WECHAT_API_BASE={api_base} needs LINLI_WECHAT_SECRET (the AppSecret)"
            )
        settings = cls(
            wechat_token=get("LINLI_WECHAT_TOKEN") or (SANDBOX_TOKEN if sandbox_keys else ""),
            wechat_appid=get("LINLI_WECHAT_APPID") or (SANDBOX_APPID if sandbox_keys else ""),
            wechat_secret=secret or SANDBOX_SECRET,
            wechat_aes_key=get("LINLI_WECHAT_AES_KEY"),
            wechat_aes_key_previous=get("LINLI_WECHAT_AES_KEY_PREVIOUS"),
            wechat_timestamp_skew=_int(get("LINLI_WECHAT_TIMESTAMP_SKEW"), DEFAULT_TIMESTAMP_SKEW,
                                       "LINLI_WECHAT_TIMESTAMP_SKEW"),
            database_url=get("LINLI_DATABASE_URL") or default_database_url(env),
            redis_url=get("LINLI_REDIS_URL"),
            wechat_api_base=api_base.rstrip("/"),
            media_dir=Path(get("LINLI_MEDIA_DIR") or default_media_dir(env)),
            redis_prefix=get("LINLI_REDIS_PREFIX") or "linli:",
            subscribe_template_progress=get("LINLI_WECHAT_SUBSCRIBE_PROGRESS"),
            template_progress=get("LINLI_WECHAT_TEMPLATE_PROGRESS")
            or (SANDBOX_TEMPLATE if sandbox_keys else None),
            miniapp_subscribe_progress=get("LINLI_MINIAPP_SUBSCRIBE_PROGRESS"),
            subscribe_long_term=_list(get("LINLI_WECHAT_SUBSCRIBE_LONG_TERM")),
            subscribe_progress_keys=get("LINLI_WECHAT_SUBSCRIBE_PROGRESS_KEYS")
            or DEFAULT_NOTICE_KEYS,
            miniapp_subscribe_progress_keys=get("LINLI_MINIAPP_SUBSCRIBE_PROGRESS_KEYS")
            or DEFAULT_NOTICE_KEYS,
            template_progress_keys=get("LINLI_WECHAT_TEMPLATE_PROGRESS_KEYS")
            or DEFAULT_NOTICE_KEYS,
            api_session_ttl=_int(get("LINLI_API_SESSION_TTL"), 7 * 24 * 3600,
                                 "LINLI_API_SESSION_TTL"),
            api_rate_person=_int(get("LINLI_API_RATE_PERSON"), 120, "LINLI_API_RATE_PERSON"),
            api_rate_ip=_int(get("LINLI_API_RATE_IP"), 600, "LINLI_API_RATE_IP"),
            sandbox_public=_flag(get("LINLI_SANDBOX_PUBLIC"), "LINLI_SANDBOX_PUBLIC"),
            **_retention(get),
            privacy_keep_staff_history=_flag(get("LINLI_PRIVACY_KEEP_STAFF_HISTORY") or "1",
                                             "LINLI_PRIVACY_KEEP_STAFF_HISTORY"),
            public_url=(get("LINLI_PUBLIC_URL") or "").rstrip("/"),
            miniapp_appid=get("LINLI_MINIAPP_APPID"),
            miniapp_secret=get("LINLI_MINIAPP_SECRET"),
            trusted_proxies=tuple(p.strip() for p in (get("LINLI_TRUSTED_PROXIES") or "")
                                  .split(",") if p.strip()),
            media_store=(get("LINLI_MEDIA_STORE") or "dir").lower(),
            event_loop=(get("LINLI_EVENT_LOOP") or loops.default()).lower(),
            redis_autopipeline=_flag(get("LINLI_REDIS_AUTOPIPELINE") or "1",
                                     "LINLI_REDIS_AUTOPIPELINE"),
        )
        settings.validate()
        return settings

    def with_(self, **changes: object) -> Settings:
        new = replace(self, **changes)
        new.validate()
        return new

    def validate(self) -> None:
        self._validate_wechat()
        self._validate_miniapp()
        self._validate_notices()
        self._validate_services()
        self._validate_deployment()

    @property
    def separate_miniapp(self) -> bool:
        """True when the mini-program is its own app (its own AppID and openids)."""
        return bool(self.miniapp_appid) and self.miniapp_appid != self.wechat_appid

    def _validate_miniapp(self) -> None:
        if bool(self.miniapp_appid) != bool(self.miniapp_secret):
            raise ConfigError("LINLI_MINIAPP_APPID and LINLI_MINIAPP_SECRET go together: set "
                              "both (the mini-program's AppID and AppSecret) or neither")
        if self.miniapp_appid and not re.fullmatch(r"wx[0-9a-f]{16}", self.miniapp_appid):
            raise ConfigError("LINLI_MINIAPP_APPID must look like wx followed by 16 hex digits")

    def _validate_notices(self) -> None:
        for name, spec in (("LINLI_WECHAT_SUBSCRIBE_PROGRESS_KEYS", self.subscribe_progress_keys),
                           ("LINLI_MINIAPP_SUBSCRIBE_PROGRESS_KEYS",
                            self.miniapp_subscribe_progress_keys),
                           ("LINLI_WECHAT_TEMPLATE_PROGRESS_KEYS", self.template_progress_keys)):
            try:
                notice_keys(spec)
            except ValueError as exc:
                raise ConfigError(f"{name}: {exc} (e.g. {DEFAULT_NOTICE_KEYS}: the keys of "
                                  "title, status, text and time)") from None
        if self.miniapp_subscribe_progress and not self.separate_miniapp:
            raise ConfigError("LINLI_MINIAPP_SUBSCRIBE_PROGRESS needs the mini-program as its "
                              "own app (LINLI_MINIAPP_APPID and LINLI_MINIAPP_SECRET)")

    def _validate_deployment(self) -> None:
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ConfigError(f"LINLI_TRUSTED_PROXIES: {proxy!r} is not an address or "
                                  "CIDR (e.g. 127.0.0.1,10.0.0.0/8)") from None
        if self.event_loop not in loops.CHOICES:
            raise ConfigError(f"LINLI_EVENT_LOOP must be uvloop or asyncio, not "
                              f"{self.event_loop!r}")
        if not loops.available(self.event_loop):
            raise ConfigError("LINLI_EVENT_LOOP=uvloop but uvloop is not installed here "
                              "(pip install uvloop, or set LINLI_EVENT_LOOP=asyncio)")
        if self.media_store not in ("dir", "database"):
            raise ConfigError(f"LINLI_MEDIA_STORE must be dir or database, not "
                              f"{self.media_store!r}")

    def _validate_wechat(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9]{3,32}", self.wechat_token or ""):
            raise ConfigError(
                "LINLI_WECHAT_TOKEN must be 3-32 letters or digits, as set in the "
                "Official Account's server configuration"
            )
        if not re.fullmatch(r"wx[0-9a-f]{16}", self.wechat_appid or ""):
            raise ConfigError("LINLI_WECHAT_APPID must look like wx followed by 16 hex digits")
        for name, key in (("LINLI_WECHAT_AES_KEY", self.wechat_aes_key),
                          ("LINLI_WECHAT_AES_KEY_PREVIOUS", self.wechat_aes_key_previous)):
            if key is not None:
                _check_aes_key(name, key)
        if self.wechat_aes_key_previous and not self.wechat_aes_key:
            raise ConfigError("LINLI_WECHAT_AES_KEY_PREVIOUS needs LINLI_WECHAT_AES_KEY as well")
        if self.wechat_timestamp_skew < 0:
            raise ConfigError("LINLI_WECHAT_TIMESTAMP_SKEW must be >= 0 (0 turns the check off)")

    def _validate_services(self) -> None:
        if not re.match(r"^(sqlite|postgres|asyncpg|psycopg)://", self.database_url):
            raise ConfigError(
                "LINLI_DATABASE_URL must be sqlite://PATH or postgres://USER@HOST:PORT/DB"
            )
        if self.redis_url is not None and not re.match(r"^(redis|rediss|unix)://",
                                                       self.redis_url):
            raise ConfigError("LINLI_REDIS_URL must be redis://HOST:PORT/DB (unset = in-process)")
        if not self.sandbox and not self.wechat_api_base.startswith(("http://", "https://")):
            raise ConfigError("LINLI_WECHAT_API_BASE must be an http(s) URL or unset")
        for name, value in (("LINLI_API_SESSION_TTL", self.api_session_ttl),
                            ("LINLI_API_RATE_PERSON", self.api_rate_person),
                            ("LINLI_API_RATE_IP", self.api_rate_ip)):
            if value < 1:
                raise ConfigError(f"{name} must be a whole number >= 1")
        for name, default in RETENTION.items():
            if getattr(self, name.removeprefix("LINLI_").lower()) < 1:
                raise ConfigError(f"{name} must be a whole number >= 1 (default {default})")

    def check_host(self, host: str) -> None:
        """The built-in sandbox signs anyone in as anyone: refuse to listen for it beyond
        this machine unless LINLI_SANDBOX_PUBLIC=1 says so."""
        if not self.sandbox or self.sandbox_public or is_loopback(host):
            return
        raise ConfigError(
            f"--host {host or '(all addresses)'} is not a loopback address, and the built-in "
            "WeChat sandbox lets anyone sign in as anyone (administrators included) through "
            "/sandbox/wechat/_sandbox/login. Serve it on 127.0.0.1 (the default) or ::1, "
            "configure the real WeChat API (LINLI_WECHAT_SECRET), or set "
            "LINLI_SANDBOX_PUBLIC=1 if this is a demonstration meant to be public"
        )

    def check_workers(self, workers: int) -> None:
        """More than one process needs shared state: PostgreSQL and a real Redis."""
        if workers <= 1:
            return
        if self.sandbox:
            raise ConfigError(
                f"--workers {workers} cannot use the built-in WeChat sandbox: it keeps its state "
                "in one process. Run the sandbox as its own process and point every worker at "
                "it: `linli sandbox --port 8081`, then (with PostgreSQL and Redis in "
                "LINLI_DATABASE_URL and LINLI_REDIS_URL) `LINLI_WECHAT_API_BASE="
                f"http://127.0.0.1:8081 LINLI_WECHAT_SECRET={SANDBOX_SECRET} linli serve "
                f"--workers {workers}`. Or run one worker, or configure the real WeChat API"
            )
        if self.embedded_redis:
            raise ConfigError(
                f"--workers {workers} needs LINLI_REDIS_URL: the in-process Redis emulation "
                "cannot be shared between processes"
            )
        if self.embedded_database:
            raise ConfigError(
                f"--workers {workers} needs PostgreSQL in LINLI_DATABASE_URL: "
                "SQLite is for a single process"
            )


def is_loopback(host: str) -> bool:
    """True when every address ``host`` names is a loopback address (127.0.0.0/8, ::1).
    "" and 0.0.0.0 / :: (every address) are not; a name is resolved."""
    host = host.strip().strip("[]")
    if not host:
        return False
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return False
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]
    return bool(addresses) and all(_loopback(a) for a in addresses)


def _loopback(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


# LINLI_RETENTION_* and their defaults (handlers.context.Retention's); each is the Settings
# field of the same name.
RETENTION = {f"LINLI_RETENTION_{f.name.upper()}": f.default for f in fields(Retention)}


def _retention(get) -> dict[str, int]:
    return {name.removeprefix("LINLI_").lower(): _int(get(name), default, name)
            for name, default in RETENTION.items()}


def _list(raw: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in (raw or "").split(",") if p.strip()))


def _flag(raw: str | None, name: str) -> bool:
    if raw is None or raw.lower() in ("0", "false", "no", "off"):
        return False
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be 1 (on) or 0 (off), not {raw!r}")


def _int(raw: str | None, default: int, name: str) -> int:
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of seconds, not {raw!r}") from None


def _check_aes_key(name: str, key: str) -> None:
    if len(key) != 43:
        raise ConfigError(f"{name} must be the 43-character EncodingAESKey, got {len(key)}")
    try:
        raw = base64.b64decode(key + "=", validate=True)
    except binascii.Error:
        raise ConfigError(f"{name} is not valid base64") from None
    if len(raw) != 32:
        raise ConfigError(f"{name} does not decode to a 32-byte AES key")
