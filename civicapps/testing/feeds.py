"""Pytest fixtures for feed tests (exported by :mod:`civicapps.testing`): real HTTP on 127.0.0.1.

* ``civic_feed_server``: a :class:`FeedServer`; ``add(path, body, **behaviour)`` returns the URL.
  Answers carry an ETag and honour ``If-None-Match`` (304); ``status``, ``fail_times`` (answer 500 that
  many times first), ``delay`` (seconds), ``truncate`` (promise twice the bytes, then hang up),
  ``last_modified`` and ``handler`` (a function for paged APIs) make the failures real feeds have.
* ``civic_postcodes_io``: a fake postcodes.io (single and bulk lookups, the real JSON shapes) on the
  feed server; its ``url`` goes in ``[plugins.geo] postcodes_io_url`` and ``known`` maps postcodes to
  ``(lat, lon)``, or to None for a postcode that exists without coordinates.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

LAST_MODIFIED = formatdate(1700000000, usegmt=True)


@dataclass(frozen=True)
class Request:
    """What a route ``handler`` is given."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    headers: Any


#: handler(request) -> (status, content type, body[, etag])
Handler = Callable[[Request], tuple[Any, ...]]


@dataclass
class Route:
    """How the server answers one path."""

    body: bytes = b""
    content_type: str = "text/csv"
    status: int = 200
    etag: bool = True
    last_modified: bool = False
    delay: float = 0.0
    fail_times: int = 0
    truncate: bool = False
    trickle: float = 0.0  # seconds between the body's bytes: slow, yet never silent for a whole timeout
    handler: Handler | None = None
    prefix: bool = False
    hits: int = 0


@dataclass
class FeedServer:
    """Canned answers per path, and a log of every request (method, path with query, headers)."""

    base: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def add(self, path: str, body: bytes | str = b"", **behaviour: Any) -> str:
        self.routes[path] = Route(body.encode() if isinstance(body, str) else body, **behaviour)
        return self.base + path

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        return self.routes[path].hits

    def route_for(self, path: str) -> Route | None:
        if path in self.routes:
            return self.routes[path]
        prefixes = [p for p, r in self.routes.items() if r.prefix and path.startswith(p)]
        return self.routes[max(prefixes, key=len)] if prefixes else None


class _Handler(BaseHTTPRequestHandler):
    server_state: FeedServer

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")

    def _answer(self, method: str) -> None:
        state = self.server_state
        parts = urlsplit(self.path)
        state.requests.append((method, self.path, dict(self.headers)))
        route = state.route_for(parts.path)
        if route is None:
            return self._send(404, "text/plain", b"not found")
        route.hits += 1
        if route.delay:
            time.sleep(route.delay)
        if route.fail_times:
            route.fail_times -= 1
            return self._send(500, "text/html", b"<html><body>Internal Server Error</body></html>")
        if route.handler is not None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method,
                unquote(parts.path),
                parse_qs(parts.query),
                self.rfile.read(length) if length else b"",
                self.headers,
            )
            status, ctype, body, *tag = route.handler(request)
            return self._send(status, ctype, body, route, *tag)
        if route.status != 200:
            return self._send(route.status, route.content_type, route.body, route)
        tag = '"' + hashlib.sha1(route.body).hexdigest() + '"' if route.etag else None
        if (tag and self.headers.get("If-None-Match") == tag) or (
            route.last_modified and self.headers.get("If-Modified-Since") == LAST_MODIFIED
        ):
            return self._send(304, route.content_type, b"", route, tag)
        self._send(200, route.content_type, route.body, route, tag)

    def _send(self, status: int, ctype: str, body: bytes, route: Route | None = None, tag: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if tag:
            self.send_header("ETag", tag)
        if route is not None and route.last_modified:
            self.send_header("Last-Modified", LAST_MODIFIED)
        truncate = route is not None and route.truncate
        self.send_header("Content-Length", str(len(body) * (2 if truncate else 1)))
        self.end_headers()
        if status != 304 and route is not None and route.trickle:
            for byte in range(len(body)):
                self.wfile.write(body[byte : byte + 1])
                self.wfile.flush()
                time.sleep(route.trickle)
        elif status != 304:
            self.wfile.write(body)
        if truncate:
            self.wfile.flush()
            self.close_connection = True


@pytest.fixture
def civic_feed_server() -> Iterator[FeedServer]:
    """An HTTP server on 127.0.0.1 for feed tests, shut down after the test."""
    state = FeedServer()
    handler = type("Handler", (_Handler,), {"server_state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, name="civic-feed-server", daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@dataclass
class FakePostcodesIo:
    """What the fake postcodes.io knows and where it is."""

    url: str
    known: dict[str, tuple[float, float] | None]

    def result(self, asked: str) -> dict[str, Any] | None:
        key = asked.upper().replace(" ", "")
        for postcode, where in self.known.items():
            if postcode.replace(" ", "") == key:
                lat, lon = where if where else (None, None)
                return {"postcode": postcode, "latitude": lat, "longitude": lon, "country": "England"}
        return None

    def bulk(self, request: Request) -> tuple[int, str, bytes]:
        """``POST /postcodes`` with ``{"postcodes": [...]}``."""
        try:
            asked = json.loads(request.body or b"{}").get("postcodes") if request.method == "POST" else None
        except (ValueError, AttributeError):
            asked = None
        if not isinstance(asked, list):
            return 400, "application/json", b'{"status":400,"error":"Invalid JSON query submitted."}'
        answer = {"status": 200, "result": [{"query": pc, "result": self.result(pc)} for pc in asked]}
        return 200, "application/json", json.dumps(answer).encode()

    def single(self, request: Request) -> tuple[int, str, bytes]:
        """``GET /postcodes/{postcode}``."""
        result = self.result(request.path.rsplit("/", 1)[-1])
        if result is None:
            return 404, "application/json", b'{"status":404,"error":"Postcode not found"}'
        return 200, "application/json", json.dumps({"status": 200, "result": result}).encode()


KNOWN_POSTCODES: dict[str, tuple[float, float] | None] = {
    "SW1A 1AA": (51.501009, -0.141588),
    "EX16 5BL": (50.907066, -3.477588),
    "IM9 4HH": None,
}


@pytest.fixture
def civic_postcodes_io(civic_feed_server: FeedServer) -> FakePostcodesIo:
    """A fake postcodes.io at ``<feed server>/postcodes.io``; add to ``.known`` to teach it postcodes."""
    fake = FakePostcodesIo(civic_feed_server.url("/postcodes.io"), dict(KNOWN_POSTCODES))
    civic_feed_server.add("/postcodes.io/postcodes", handler=fake.bulk)
    civic_feed_server.add("/postcodes.io/postcodes/", handler=fake.single, prefix=True)
    return fake
