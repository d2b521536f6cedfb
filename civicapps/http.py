"""The one way civicapps and its plugins speak HTTP to other servers: a polite, patient session.

Every outgoing request (feeds, postcodes.io, a council's Open311 back office, a plugin's own API
calls) should say who is calling, so a council's web team seeing our traffic knows whom to ask, and
should give up on a server that does not answer rather than hold a worker forever. So every session
made here carries a User-Agent naming civicapps, its version and the council (with its website or
the deployment's URL), a default (connect, read) timeout for any call that does not pass its own,
and urllib3's ``Retry``: a 429, 502, 503 or 504 is retried for idempotent methods only (a POST is
never sent twice: a back office would open two cases), after ``Retry-After`` when the server sends
one (in seconds or as an HTTP date), else after a short exponential backoff. A server asking for a
longer wait than :data:`LONGEST_WAIT` is not retried by the session at all: its answer goes back to
the caller, whose own schedule (the next pull, the sender's next try) is the right place for it.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, cast

import requests
from flask import Flask, current_app
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from civicapps.plugins import metadata_version

if TYPE_CHECKING:  # urllib3 2's names; requests also runs on urllib3 1.26
    from urllib3 import BaseHTTPResponse
    from urllib3.connectionpool import ConnectionPool

#: (connect, read) seconds for a call that gives no timeout of its own.
TIMEOUT = (5.0, 30.0)
#: Tries after the first for an idempotent request answered with one of RETRY_STATUSES.
RETRIES = 3
RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: Seconds of backoff before the second retry (doubling after); the first retry is immediate.
BACKOFF = 0.5
#: The longest ``Retry-After`` the session waits for (a resident may be waiting on the request); a
#: longer one is handed back to the caller.
LONGEST_WAIT = 10.0

_EXTENSION = "civicapps_http"
_lock = threading.Lock()


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for, in either of its forms (``120`` or an HTTP date);
    None when it is absent or unreadable. A date already past means 0."""
    if not value:
        return None
    try:
        return float(Retry().parse_retry_after(value))
    except InvalidHeader:
        return None


class _PoliteRetry(Retry):
    """urllib3's Retry, except that a ``Retry-After`` beyond :data:`LONGEST_WAIT` ends the retrying
    (the response is returned) instead of holding the calling thread for as long as the server likes."""

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if response is not None:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is not None and wait > LONGEST_WAIT:
                reason = ResponseError(f"the server asked to wait {wait:g} s")
                raise MaxRetryError(cast("ConnectionPool", _pool), url or "", reason)  # as urllib3 itself does
        return super().increment(method, url, response, error, _pool, _stacktrace)


class _TimeoutAdapter(HTTPAdapter):
    """An HTTPAdapter that fills in a default timeout: requests' own default is to wait forever."""

    def __init__(self, timeout: float | tuple[float, float], retries: Retry):
        self.timeout = timeout
        super().__init__(max_retries=retries)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def build_session(
    user_agent: str, *, retries: int = RETRIES, timeout: float | tuple[float, float] = TIMEOUT
) -> requests.Session:
    """A session with ``user_agent``, a default ``timeout`` and ``retries`` retries (see the module's
    docstring). ``retries=0`` is for a caller that retries by itself, to a deadline of its own (feeds)."""
    policy = _PoliteRetry(
        total=retries,
        connect=0,  # a server that cannot be reached now rarely can a moment later; callers decide
        read=False,  # a read may have reached the server: not repeated, and raised as requests' ReadTimeout
        status=retries,
        other=0,
        allowed_methods=Retry.DEFAULT_ALLOWED_METHODS,  # idempotent only: never POST twice
        status_forcelist=RETRY_STATUSES,
        backoff_factor=BACKOFF,
        respect_retry_after_header=True,
        raise_on_status=False,  # out of retries: the caller sees the server's last answer
    )
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    adapter = _TimeoutAdapter(timeout, policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def user_agent(app: Flask) -> str:
    """``civicapps/<version> (<council>; +<base_url or council website>)``: who is calling, and where
    to say so if our traffic is a problem."""
    core = app.extensions["civicapps"].settings
    contact = core.base_url or core.council.website
    about = core.council.name + (f"; +{contact}" if contact else "")
    return f"civicapps/{metadata_version('civicapps') or 'dev'} ({about})"


def http_session(app: Flask | None = None) -> requests.Session:
    """The app's shared HTTP session (``app`` defaults to the current one): use it for every request a
    plugin makes to another server, so each carries the council's User-Agent, a timeout and polite retries.

    Pass your own ``timeout=`` where the default (5 s to connect, 30 s to read) does not suit. Retries
    happen only for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS), so a POST is sent once.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    session = app.extensions.get(_EXTENSION)
    if session is None:
        with _lock:
            session = app.extensions.get(_EXTENSION)
            if session is None:
                session = app.extensions[_EXTENSION] = build_session(user_agent(app))
    return session
