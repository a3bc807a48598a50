"""Reverse proxies linli believes (LINLI_TRUSTED_PROXIES).

A request whose peer is one of the trusted addresses/networks has its ``X-Forwarded-For``,
``-Proto`` and ``-Host`` applied by aiohttp-remotes (``XForwardedFiltered``: the client is
the right-most address of X-Forwarded-For that is not itself a trusted proxy), so
``request.remote``, ``request.scheme`` and ``request.host`` are the client's, the public
scheme and the public host. Rate limits, audit entries, access logs, the console's cookie and
cross-site checks and the links built from a request all read those three.

A request from anywhere else keeps its peer address, scheme and Host: its X-Forwarded-*
headers (and X-Request-ID, ``bot.requests``) are ignored, as if they were not there.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web
from aiohttp_remotes import XForwardedFiltered

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str | None) -> Address | None:
    try:
        address = ipaddress.ip_address(text or "")
    except ValueError:  # no peer address (a UNIX socket) or not an IP
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack socket's view of an IPv4 peer
    return address


class TrustedProxies:
    """The proxies of LINLI_TRUSTED_PROXIES (addresses or CIDRs)."""

    def __init__(self, proxies: Iterable[str]) -> None:
        self.networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(p, strict=False) for p in proxies)
        if not self.networks:
            raise ValueError("no trusted proxies")
        self._forwarded = XForwardedFiltered(set(self.networks))
        self._seen: dict[str, bool] = {}

    def trusts(self, request: web.BaseRequest) -> bool:
        """Whether the request's peer (the TCP connection's other end) is a trusted proxy."""
        peer = request.remote or ""
        known = self._seen.get(peer)
        if known is None:
            address = _address(peer)
            known = address is not None and any(address in n for n in self.networks)
            if len(self._seen) < 4096:  # a handful of proxies: remember the answers
                self._seen[peer] = known
        return known

    async def forward(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """``handler`` on the request as the client made it (remote, scheme and host from
        the X-Forwarded-* headers); a malformed header from the proxy is a 400."""
        return await self._forwarded.middleware(request, handler)


def from_settings(proxies: tuple[str, ...]) -> TrustedProxies | None:
    """None when no proxy is trusted: then no forwarded header is ever read."""
    return TrustedProxies(proxies) if proxies else None
