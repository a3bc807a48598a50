"""Rate limits of the API: per client address, and per person (writes count twice over).

Fixed one-minute windows in Redis (the counters of ``storage.ratelimit``: ``INCR``, then
``EXPIRE … NX``), shared by every process. Over the limit the answer is 429 with
``Retry-After``.

A signed-in request makes one round trip to Redis (``enter``, a script): the address's
counter, the session's ``GET``, and the person's counter (and writes') under the openid the
session names. A script that cannot read the openid (a session document of another shape)
leaves the person's counters to ``check_person``, a second round trip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web
from redis.asyncio.client import Pipeline

from bot.api import texts
from bot.api.errors import ApiError
from bot.config import Settings
from storage import keys as redis_keys
from storage import ratelimit
from storage.kv import KV, Script

WINDOW = 60
READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _refuse() -> ApiError:
    return ApiError(429, "rate_limited", texts.TOO_MANY_REQUESTS,
                    headers={"Retry-After": str(WINDOW)})


def client_address(request: web.Request) -> str:
    # The peer address; behind a proxy of LINLI_TRUSTED_PROXIES, the client's address from
    # its X-Forwarded-For (bot.proxies). From anyone else X-Forwarded-For is ignored.
    return request.remote or "unknown"


def _count(pipe: Pipeline, kv: KV, name: str) -> None:
    """Queue one hit on the counter ``name`` (as ``storage.ratelimit.hit`` counts it)."""
    key = redis_keys.rate(kv, name)
    pipe.incr(key)
    pipe.expire(key, WINDOW, nx=True)


async def count_address(kv: KV, request: web.Request, settings: Settings,
                        read: str | None = None) -> bytes | None:
    """Count the request against its address (429 over the limit) and, in the same round
    trip, ``GET`` the key ``read`` (the bearer's session): its value, or None."""
    async with kv.redis.pipeline(transaction=True) as pipe:
        _count(pipe, kv, redis_keys.rate_api_ip(client_address(request)))
        if read is not None:
            pipe.get(read)
        results = await pipe.execute()
    if int(results[0]) > settings.api_rate_ip:
        raise _refuse()
    return results[2] if read is not None else None


# KEYS: the address's counter, the session. ARGV: the window, the address's limit, the
# person's limit, the person's and the writes' counter keys without the openid ("" for a
# read). Returns {address count, session or false, openid, person count, write count},
# shorter when it stopped: over the address's limit, no session, no openid read from it
# (counted by check_person then), over the person's limit, or a read.
_ENTER = """
local function hit(key, window)
  local n = redis.call('incr', key)
  redis.call('expire', key, window, 'NX')
  return n
end
local window = tonumber(ARGV[1])
local ip = hit(KEYS[1], window)
if ip > tonumber(ARGV[2]) then return {ip} end
local raw = redis.call('get', KEYS[2])
if not raw then return {ip, false} end
local openid = string.match(raw, '"openid": "([%w_%-]+)"')
if not openid then return {ip, raw} end
local person = hit(ARGV[4] .. openid, window)
if person > tonumber(ARGV[3]) or ARGV[5] == '' then return {ip, raw, openid, person} end
return {ip, raw, openid, person, hit(ARGV[5] .. openid, window)}
"""
_enter = Script(_ENTER)
_OPENID = re.compile(r"[A-Za-z0-9_\-]+")  # what the script's pattern takes


@dataclass(frozen=True)
class Entry:
    """What ``enter`` found: the session's document, and the person's counts if it counted
    them (``openid``: whose; None when it did not)."""

    session: bytes | None
    openid: str | None = None
    person: int = 0
    writes: int = 0


async def enter(kv: KV, request: web.Request, settings: Settings, session_key: str | None,
                method: str) -> Entry:
    """Count the request against its address (429 over the limit), read the session at
    ``session_key`` and count the request against the person it names: one round trip.
    The person's limits are judged by ``check_entry`` once the session is known good."""
    if session_key is None:
        await count_address(kv, request, settings)
        return Entry(None)
    person_key = redis_keys.rate(kv, redis_keys.rate_api_person(""))
    write_key = redis_keys.rate(kv, redis_keys.rate_api_write("")) if method not in READS else ""
    found = await _enter(
        [redis_keys.rate(kv, redis_keys.rate_api_ip(client_address(request))), session_key],
        [WINDOW, settings.api_rate_ip, settings.api_rate_person, person_key, write_key],
        kv.redis)
    if int(found[0]) > settings.api_rate_ip:
        raise _refuse()
    raw = found[1] if len(found) > 1 else None
    if len(found) < 4:
        return Entry(raw)
    openid = found[2].decode() if isinstance(found[2], bytes) else str(found[2])
    return Entry(raw, openid, int(found[3]), int(found[4]) if len(found) > 4 else 0)


async def check_entry(kv: KV, entry: Entry, openid: str, method: str,
                      settings: Settings) -> None:
    """The person's limits (429): from the counts ``enter`` made for ``openid``, else counted
    now (``check_person``)."""
    if entry.openid != openid or not _OPENID.fullmatch(openid):
        await check_person(kv, openid, method, settings)
        return
    if entry.person > settings.api_rate_person:
        raise _refuse()
    if method not in READS and entry.writes > max(1, settings.api_rate_person // 4):
        raise _refuse()


async def check_ip(kv: KV, request: web.Request, settings: Settings) -> None:
    await count_address(kv, request, settings)


async def check_person(kv: KV, openid: str, method: str, settings: Settings) -> None:
    """Count the request against the person, and a write against their writes too (a
    quarter of the limit): one round trip."""
    write = method not in READS
    async with kv.redis.pipeline(transaction=True) as pipe:
        _count(pipe, kv, redis_keys.rate_api_person(openid))
        if write:
            _count(pipe, kv, redis_keys.rate_api_write(openid))
        results = await pipe.execute()
    if int(results[0]) > settings.api_rate_person:
        raise _refuse()
    if write and int(results[2]) > max(1, settings.api_rate_person // 4):
        raise _refuse()


async def check_login(kv: KV, request: web.Request) -> None:
    """Logins per address: codes are single-use, a flood of them is someone guessing."""
    name = redis_keys.rate_api_login(client_address(request))
    if not await ratelimit.hit(kv, name, 30, WINDOW):
        raise _refuse()
