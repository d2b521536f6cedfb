"""Shared fixtures for the feeds and geo tests: a feed server and a fake postcodes.io on 127.0.0.1,
and an app with a small planning dataset to ingest into."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
import types
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from civicapps import Dataset, Model, Record, hookimpl
from civicapps.db import get_database

FIXTURES = Path(__file__).parent / "fixtures"
IOM_WEEKLY = FIXTURES / "iom-planning-applications-weekly-2023-2024.csv"
IOM_RAW = FIXTURES / "iom-planning-applications-2023-06-02-raw.csv"


class Application(Model, Record):
    """The test plugin's dataset, shaped like a planning application."""

    __tablename__ = "planning_application"

    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(8))
    local_authority: Mapped[str | None] = mapped_column(String(100))
    received: Mapped[dt.date | None]
    url: Mapped[str | None] = mapped_column(String(500))


PLANNING = types.ModuleType("planning")
PLANNING.register_datasets = hookimpl(lambda: [Dataset("application", Application, "Planning applications")])


@dataclass
class Route:
    body: bytes | None = None
    content_type: str = "text/csv"
    status: int = 200
    etag: bool = True
    last_modified: bool = False
    delay: float = 0.0
    fail_times: int = 0
    truncate: bool = False
    handler: object = None  # (method, query, body, headers) -> (status, content_type, bytes)
    hits: int = 0


@dataclass
class FeedServer:
    """An HTTP server on 127.0.0.1 with canned answers per path (ETag/304, errors, slowness, truncation)."""

    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, str, dict]] = field(default_factory=list)
    base: str = ""

    def add(self, path: str, body: bytes | str | None = None, **options) -> str:
        self.routes[path] = Route(body.encode() if isinstance(body, str) else body, **options)
        return self.base + path

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        return self.routes[path].hits


def _handler(server: FeedServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self._answer("GET")

        def do_POST(self):
            self._answer("POST")

        def _answer(self, method):
            parts = urlsplit(self.path)
            server.requests.append((method, self.path, dict(self.headers)))
            route = server.routes.get(parts.path)
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
                status, ctype, body, *tag = route.handler(method, parse_qs(parts.query), self.rfile.read(length) if length else b"", self.headers)
                return self._send(status, ctype, body, route, *tag)
            if route.status != 200:
                return self._send(route.status, route.content_type, route.body or b"", route)
            tag = '"' + hashlib.sha1(route.body).hexdigest() + '"'
            if route.etag and self.headers.get("If-None-Match") == tag:
                return self._send(304, route.content_type, b"", route, tag)
            if route.last_modified and self.headers.get("If-Modified-Since") == _MODIFIED:
                return self._send(304, route.content_type, b"", route)
            self._send(200, route.content_type, route.body, route, tag if route.etag else None)

        def _send(self, status, ctype, body, route=None, tag=None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if tag:
                self.send_header("ETag", tag)
            if route is not None and route.last_modified:
                self.send_header("Last-Modified", _MODIFIED)
            if route is not None and route.truncate:
                self.send_header("Content-Length", str(len(body) * 2))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                self.close_connection = True
                return
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

    return Handler


_MODIFIED = formatdate(1700000000, usegmt=True)


def _serve(server: FeedServer):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    server.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd, thread


@pytest.fixture
def feed_server():
    server = FeedServer()
    httpd, thread = _serve(server)
    yield server
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


#: What the fake postcodes.io knows: postcode -> (lat, lon), or None for "exists, no coordinates".
KNOWN_POSTCODES = {
    "SW1A 1AA": (51.501009, -0.141588),
    "EX16 5BL": (50.907066, -3.477588),
    "IM2 2QY": (54.16731, -4.49732),
    "IM1 2LW": (54.15189, -4.47787),
    "IM2 2EF": (54.16020, -4.49300),
    "IM9 4HH": None,
}


def postcodes_io_answer(method, query, body, headers=None):
    """The real API's shapes: GET /postcodes/{pc} and bulk POST /postcodes."""

    def result(pc):
        key = pc.upper().replace(" ", "")
        for known, where in KNOWN_POSTCODES.items():
            if known.replace(" ", "") == key:
                lat, lon = where if where else (None, None)
                return {"postcode": known, "latitude": lat, "longitude": lon, "country": "England"}
        return None

    if method == "POST":
        asked = json.loads(body or b"{}").get("postcodes")
        if not isinstance(asked, list):
            return 400, "application/json", b'{"status":400,"error":"Invalid JSON query submitted."}'
        answer = {"status": 200, "result": [{"query": pc, "result": result(pc)} for pc in asked]}
        return 200, "application/json", json.dumps(answer).encode()
    raise AssertionError("single lookups are routed per postcode")


@pytest.fixture
def postcodes_io(feed_server):
    """A fake postcodes.io on the feed server at /pcio (bulk and single lookups)."""
    feed_server.add("/pcio/postcodes", handler=postcodes_io_answer)
    for pc in KNOWN_POSTCODES:
        body = postcodes_io_answer("POST", {}, json.dumps({"postcodes": [pc]}).encode())[2]
        item = json.loads(body)["result"][0]["result"]
        feed_server.add(f"/pcio/postcodes/{pc.replace(' ', '%20')}", json.dumps({"status": 200, "result": item}), content_type="application/json")
        feed_server.add(f"/pcio/postcodes/{pc.replace(' ', '')}", json.dumps({"status": 200, "result": item}), content_type="application/json")
    return feed_server.url("/pcio")


@pytest.fixture
def planning_app(civic_app_factory, postcodes_io):
    """``planning_app(feeds={...}, plugins=[...], **config)``: an app with the planning dataset's table."""

    def make(feeds=None, plugins=(), **config):
        settings = {
            "feeds": feeds or {},
            "plugins": {
                "feeds": {"retries": 1, "backoff_seconds": 0.01, "timeout_seconds": 2},
                "geo": {"postcodes_io_url": postcodes_io},
                **config.pop("plugin_settings", {}),
            },
            **config,
        }
        app = civic_app_factory(plugins=[("planning", PLANNING), *plugins], config=settings)
        Model.metadata.create_all(get_database(app).engine, tables=[Application.__table__])
        return app

    return make


def count(app, model=Application) -> int:
    with get_database(app).sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(model))


def records(app) -> dict[tuple[str, str], Application]:
    with get_database(app).sessionmaker() as session:
        return {(a.authority, a.reference): a for a in session.scalars(select(Application))}


#: The weekly Isle of Man list as a feed of the planning dataset.
IOM_MAPPING = {
    "reference": "PA Ref",
    "description": {"column": "Details", "squash": True},
    "postcode": {"column": "Details", "extract": "postcode"},
    "local_authority": {"column": "Local Authority", "case": "title"},
    "received": {"column": "Date", "format": "%d %b %Y"},
    "url": "URL",
}


def iom_feed(url: str, **extra) -> dict:
    return {
        "dataset": "planning.application",
        "url": url,
        "format": "csv",
        "authority": "Isle of Man Government",
        "mapping": IOM_MAPPING,
        "location": {"postcode": {"field": "postcode"}},
        "interval": "1d",
        **extra,
    }
