"""The egress guard: deliveries may only connect to public internet addresses.

apprise posts wherever a URL points, so a resident's "webhook" could be ``http://169.254.169.254/``
(cloud metadata), ``http://10.0.0.5:6379/`` or a name that resolves there. The guard sits in
``socket.getaddrinfo``, which requests/urllib3, smtplib and most other clients call at connect time,
so it also covers redirects, every plugin's own host and DNS rebinding (the address checked is the
address connected to). It is active only inside :func:`guarded`, through a context variable that
apprise carries into its worker threads, so database, Redis and web traffic in the same process are
untouched. Operators list their own non-public endpoints (an SMTP relay, an ntfy server) in
``egress_allow``.

Inside the guard, requests ignores the environment (``trust_env``): an ``HTTP(S)_PROXY`` would
connect on our behalf to addresses the guard never sees, and ``~/.netrc`` passwords must not go to
hosts residents chose. (Reading proxies from the environment also cost a tenth of a send.)

apprise's services call ``requests.post()`` and the like, a new session and connection per message.
A send thread passes :func:`delivery_session` to :func:`guarded` instead, and those calls go through
it: connections to a host stay open from one message to the next (one TLS handshake for a thousand
ntfy or Telegram messages, not a thousand). Reusing a connection is safe under the guard, since the
address was checked when it was opened; the session keeps no cookies, so nothing one receiver sets
reaches another resident's receiver on the same host.
"""
from __future__ import annotations

import contextvars
import http.cookiejar
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests

from civicapps.notify.reasons import Reason

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class EgressRefused(OSError):
    """A connection to a non-public address that the operator has not allowed.

    ``refusal`` says why, to be read in the reader's language; the exception's text is its English, for logs.
    """

    def __init__(self, refusal: Reason):
        super().__init__(str(refusal))
        self.refusal = refusal


@dataclass(frozen=True)
class AllowEntry:
    network: IPNetwork
    port: int | None

    @classmethod
    def parse(cls, text: str) -> AllowEntry:
        """``10.0.0.5``, ``10.0.0.5:25``, ``10.0.0.0/8``, ``10.0.0.0/8:25``, ``::1``, ``[::1]:8080``."""
        address, port = text.strip(), None
        if address.startswith("["):
            address, _, rest = address[1:].partition("]")
            port = rest.removeprefix(":") or None
        elif address.count(":") == 1:
            address, port = address.split(":")
        try:
            network = ipaddress.ip_network(address, strict=False)
            number = int(port) if port is not None else None
        except ValueError:
            raise ValueError(f"{text!r} is not an IP address or network with an optional :port") from None
        if number is not None and not 0 < number < 65536:
            raise ValueError(f"{text!r} has a port outside 1-65535")
        return cls(network, number)

    def admits(self, address: IPAddress, port: int | None) -> bool:
        return address in self.network and (self.port is None or self.port == port)


#: IPv6 ranges that carry an IPv4 address (or a private network) inside: a router or the kernel may
#: deliver them to that IPv4 address, so ``[64:ff9b::a9fe:a9fe]`` is the metadata service in disguise.
IPV6_WRAPPERS: tuple[tuple[ipaddress.IPv6Network, Reason], ...] = (
    (ipaddress.IPv6Network("64:ff9b::/96"), Reason("nat64")),
    (ipaddress.IPv6Network("64:ff9b:1::/48"), Reason("local-nat64")),
    (ipaddress.IPv6Network("2002::/16"), Reason("6to4")),
    (ipaddress.IPv6Network("2001::/32"), Reason("teredo")),
    (ipaddress.IPv6Network("::/96"), Reason("ipv4-compatible")),
    (ipaddress.IPv6Network("fec0::/10"), Reason("site-local")),
)


def describe(address: IPAddress) -> Reason | None:
    """Why ``address`` is not a public destination, or None if it is one.

    A :class:`~civicapps.notify.reasons.Reason`: a resident reads it when subscribing, in their
    language; a worker records it for staff to read in theirs.
    """
    if address.is_loopback:
        return Reason("loopback")
    if address.is_link_local:
        return Reason("link-local")
    if address.is_unspecified:
        return Reason("private")
    for network, reason in IPV6_WRAPPERS if isinstance(address, ipaddress.IPv6Address) else ():
        if address in network:
            return reason
    if address.is_private:
        return Reason("private")
    if not address.is_global or address.is_multicast:
        return Reason("not-public")
    return None


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 wrapper carries (NAT64 /96, 6to4, Teredo's server and client,
    IPv4-compatible), so an allow-listed wrapper still cannot reach a private IPv4 address."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    if address in IPV6_WRAPPERS[0][0] or (address in IPV6_WRAPPERS[4][0] and int(address) > 1):  # not :: or ::1
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    return []


def _address(text: str) -> IPAddress:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


class EgressPolicy:
    """Public addresses, plus the operator's allow-list."""

    def __init__(self, allow: Iterable[str] = ()):
        self.allow = tuple(AllowEntry.parse(entry) for entry in allow)

    def refusal(self, ip: str, port: int | None) -> Reason | None:
        """Why connecting to ``ip:port`` is refused, or None if it is permitted."""
        address = _address(ip)
        for inner in embedded_ipv4(address):
            why = describe(inner)
            if why is not None and not self._allows(inner, port):
                return Reason("wrapped-address-refused", {"address": str(address), "inner": str(inner), "reason": why})
        reason = describe(address)
        if reason is None or self._allows(address, port):
            return None
        return Reason("address-refused", {"address": str(address), "reason": reason})

    def _allows(self, address: IPAddress, port: int | None) -> bool:
        return any(entry.admits(address, port) for entry in self.allow)

    def check(self, host: str, port: int | None) -> None:
        """Resolve ``host`` now and refuse it if any answer is not permitted (subscribe-time check)."""
        try:
            answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise EgressRefused(Reason("unresolvable-host", {"host": host})) from None
        _vet(self, answers, port)


def _vet(policy: EgressPolicy, answers: list[Any], port: int | None) -> None:
    # Any forbidden answer refuses the whole name: a name that mixes public and private answers is
    # exactly what a rebinding attack looks like, and failing closed costs a legitimate host nothing.
    for answer in answers:
        reason = policy.refusal(answer[4][0], port)
        if reason:
            raise EgressRefused(reason)


@dataclass
class _Guard:
    """The policy in force, the refusals it made (so the caller can say why a send failed), and the
    session apprise's requests go through (None: a new one per request, as requests does)."""

    policy: EgressPolicy
    refusals: list[Reason]
    session: requests.Session | None


_active: contextvars.ContextVar[_Guard | None] = contextvars.ContextVar("civicapps_egress", default=None)
_install_lock = threading.Lock()


def delivery_session() -> requests.Session:
    """A session for one thread's deliveries: it keeps connections alive and nothing else (no cookies,
    nothing from the environment). Close it when the thread is done."""
    session = requests.Session()
    session.trust_env = False
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return session


def _port(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, str):
        try:
            return socket.getservbyname(value)
        except OSError:
            return None
    return None


def _wrap(resolve: Callable[..., Any]) -> Callable[..., Any]:
    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        answers = resolve(host, port, *args, **kwargs)
        active = _active.get()
        if active is not None:
            try:
                _vet(active.policy, answers, _port(port))
            except EgressRefused as exc:
                active.refusals.append(Reason("destination", {"refusal": exc.refusal}))
                raise
        return answers

    getaddrinfo._civicapps_guard = True  # type: ignore[attr-defined]
    return getaddrinfo


def _untrusting(init: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: requests.Session) -> None:
        init(self)
        if _active.get() is not None:
            self.trust_env = False

    __init__._civicapps_guard = True  # type: ignore[attr-defined]
    return __init__


def _pooling(request: Callable[..., requests.Response]) -> Callable[..., requests.Response]:
    def pooled_request(method: str, url: str, **kwargs: Any) -> requests.Response:
        active = _active.get()
        if active is None or active.session is None:
            return request(method, url, **kwargs)
        return active.session.request(method=method, url=url, **kwargs)

    pooled_request._civicapps_guard = True  # type: ignore[attr-defined]
    return pooled_request


def install() -> None:
    """Put the guard in front of ``socket.getaddrinfo`` and into requests' sessions and module-level
    calls (again, if something replaced them since)."""
    with _install_lock:
        if not getattr(socket.getaddrinfo, "_civicapps_guard", False):
            socket.getaddrinfo = _wrap(socket.getaddrinfo)
        if not getattr(requests.Session.__init__, "_civicapps_guard", False):
            requests.Session.__init__ = _untrusting(requests.Session.__init__)  # type: ignore[method-assign]
        # requests.get/post/... call requests.api.request; apprise also calls requests.request.
        if not getattr(requests.api.request, "_civicapps_guard", False):
            requests.api.request = _pooling(requests.api.request)
        if not getattr(requests.request, "_civicapps_guard", False):
            requests.request = _pooling(requests.request)


@contextmanager
def guarded(policy: EgressPolicy, session: requests.Session | None = None) -> Iterator[list[Reason]]:
    """Every connection opened inside (in this thread or threads apprise starts from it) obeys ``policy``.

    With ``session`` (a :func:`delivery_session`), requests made through ``requests.request()``,
    ``requests.post()`` and the like use it. Yields the list of refusals made meanwhile, each a
    reason fit for staff eyes (an address, no URL).
    """
    install()
    refusals: list[Reason] = []
    token = _active.set(_Guard(policy, refusals, session))
    try:
        yield refusals
    finally:
        _active.reset(token)
