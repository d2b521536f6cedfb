"""The real client address behind reverse proxies, and only behind the proxies the council trusts.

Behind nginx or a load balancer every request arrives from the proxy's own address, so per-address
limits would lump all residents (and an attacker) together; the proxy says who the client was in
``X-Forwarded-For``. But anyone can send that header, so it is believed only as far as
``trusted_proxies`` says: a number of proxy hops in front of the app, or the proxies' addresses. By
default nothing is trusted and the header changes nothing. ``X-Forwarded-Proto`` from the nearest
trusted proxy sets the scheme (https links when TLS ends at the proxy); ``X-Forwarded-Host`` and
``-Prefix`` are never believed, since a proxy that does not set them passes a client's copy through.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted(value: Any) -> int | list[str]:
    """The setting as a hop count (0 to 10) or a list of addresses/networks; ValueError says why not."""
    if isinstance(value, bool):
        raise ValueError("expected a number of proxies or a list of their addresses")
    if isinstance(value, int):
        if not 0 <= value <= 10:
            raise ValueError("expected a number of proxies from 0 to 10, or a list of their addresses")
        return value
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("expected a number of proxies or a list of their addresses")
    for item in value:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network such as 10.0.0.2 or 10.0.0.0/24") from None
    return value


class TrustedProxies:
    """WSGI middleware: werkzeug's ProxyFix, with the number of hops to believe per request."""

    def __init__(self, app: Any, trusted: int | list[str]):
        self.app = app
        if isinstance(trusted, int):
            self._networks: list[Network] | None = None
            self._fixed = ProxyFix(app, x_for=trusted, x_proto=1, x_host=0, x_port=0, x_prefix=0)
        else:
            self._networks = [ipaddress.ip_network(item, strict=False) for item in trusted]
            self._by_hops: dict[int, ProxyFix] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if self._networks is None:
            return self._fixed(environ, start_response)
        hops = self._trusted_hops(environ)
        if not hops:
            return self.app(environ, start_response)
        fix = self._by_hops.get(hops)
        if fix is None:
            fix = self._by_hops[hops] = ProxyFix(self.app, x_for=hops, x_proto=1, x_host=0, x_port=0, x_prefix=0)
        return fix(environ, start_response)

    def _trusted_hops(self, environ: dict[str, Any]) -> int:
        """How many proxies in a row, from the one talking to us, are trusted ones: each of them
        appended the address it was talking to, so the first address that is not a trusted proxy,
        reading from the right, is the client's."""
        if not self._trusted(environ.get("REMOTE_ADDR", "")):
            return 0
        forwarded = [part.strip() for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        hops = 1
        while hops < len(forwarded) and self._trusted(forwarded[-hops]):
            hops += 1
        return min(hops, len(forwarded))

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._networks or ())
