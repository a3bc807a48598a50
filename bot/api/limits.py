"""Rate limits of the API: per client address, and per person (writes count twice over).

Fixed one-minute windows in Redis (``storage.ratelimit``), shared by every process. Over the
limit the answer is 429 with ``Retry-After``.
"""

from __future__ import annotations

from aiohttp import web

from bot.api import texts
from bot.api.errors import ApiError
from bot.config import Settings
from storage import keys as redis_keys
from storage import ratelimit
from storage.kv import KV

WINDOW = 60
READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _refuse() -> ApiError:
    return ApiError(429, "rate_limited", texts.TOO_MANY_REQUESTS,
                    headers={"Retry-After": str(WINDOW)})


def client_address(request: web.Request) -> str:
    # The peer address; behind a proxy of LINLI_TRUSTED_PROXIES, the client's address from
    # its X-Forwarded-For (bot.proxies). From anyone else X-Forwarded-For is ignored.
    return request.remote or "unknown"


async def check_ip(kv: KV, request: web.Request, settings: Settings) -> None:
    name = redis_keys.rate_api_ip(client_address(request))
    if not await ratelimit.hit(kv, name, settings.api_rate_ip, WINDOW):
        raise _refuse()


async def check_person(kv: KV, openid: str, method: str, settings: Settings) -> None:
    name = redis_keys.rate_api_person(openid)
    if not await ratelimit.hit(kv, name, settings.api_rate_person, WINDOW):
        raise _refuse()
    if method not in READS and not await ratelimit.hit(
            kv, redis_keys.rate_api_write(openid), max(1, settings.api_rate_person // 4), WINDOW):
        raise _refuse()


async def check_login(kv: KV, request: web.Request) -> None:
    """Logins per address: codes are single-use, a flood of them is someone guessing."""
    name = redis_keys.rate_api_login(client_address(request))
    if not await ratelimit.hit(kv, name, 30, WINDOW):
        raise _refuse()
