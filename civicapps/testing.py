"""Pytest fixtures for civicapps and for plugin authors (loaded automatically as a pytest plugin).

* ``civic_app_factory(plugins=[...], config={...}, load_entrypoints=False, migrate=True)`` builds an app
  on a fresh temporary database with exactly the plugins named, migrations applied.
* ``civic_app``, ``civic_client`` and ``civic_runner``: a core-only app, its test client, and a CLI
  runner whose ``invoke(args)`` runs ``civicapps ARGS`` against that app.
* ``civic_browser`` / ``civic_page`` (headless Debian Chromium via Playwright) and
  ``assert_accessible(page)`` (axe-core, WCAG 2.2 AA) for page tests.
* ``civic_live_server_factory(app)`` serves an app over real HTTP on 127.0.0.1 (for a browser, or a
  client that needs a socket) and returns its base URL; ``civic_live_server`` is ``civic_app`` served so.
* ``civic_feed_server`` and ``civic_postcodes_io``: a feed server and a fake postcodes.io on 127.0.0.1
  for feed tests (see :mod:`civicapps.feeds.testing`).
* ``civic_notification_sink``: a :class:`NotificationSink`, a real HTTP server on 127.0.0.1 that
  records every message apprise posts to it (``json://127.0.0.1:<port>/...``); ``civic_mail_sink`` a
  :class:`MailSink`, an SMTP server on 127.0.0.1 keeping every email (``mailto://127.0.0.1:<port>?...``).

Set ``CIVICAPPS_TEST_DATABASE_URL`` to a PostgreSQL server URL (a role that may create databases) and
each test gets its own freshly created database there instead of a SQLite file.
"""
from __future__ import annotations

import email
import json
import os
import socketserver
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from werkzeug.serving import BaseWSGIServer, make_server

from civicapps.app import create_app
from civicapps.cli import cli
from civicapps.feeds.testing import civic_feed_server as civic_feed_server
from civicapps.feeds.testing import civic_postcodes_io as civic_postcodes_io
from civicapps.migrations import upgrade

TEST_DATABASE_ENV = "CIVICAPPS_TEST_DATABASE_URL"

AppFactory = Callable[..., Flask]
LiveServerFactory = Callable[[Flask], str]


class CivicRunner:
    """Runs ``civicapps`` commands against one app, as a resident of the shell would."""

    def __init__(self, app: Flask):
        self.app = app
        self._runner: FlaskCliRunner = app.test_cli_runner()

    def invoke(self, args: Iterable[str], **kwargs: Any) -> Result:
        return self._runner.invoke(cli, list(args), **kwargs)


@pytest.fixture
def civic_database_url(tmp_path: Any) -> Iterator[Callable[[], str]]:
    """A function returning a new empty database URL (SQLite file, or a PostgreSQL database)."""
    server = _postgres_server()
    created: list[str] = []

    def new() -> str:
        name = f"civicapps_test_{uuid.uuid4().hex[:12]}"
        if server is None:
            return f"sqlite:///{tmp_path / f'{name}.db'}"
        with _admin_engine(server).connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(server).set(database=name).render_as_string(hide_password=False)

    yield new
    if server is not None:
        with _admin_engine(server).connect() as connection:
            for name in created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def civic_app_factory(tmp_path: Any, civic_database_url: Callable[[], str]) -> Iterator[AppFactory]:
    apps: list[Flask] = []

    def make(
        plugins: Iterable[Any] = (),
        config: Mapping[str, Any] | None = None,
        *,
        load_entrypoints: bool = False,
        migrate: bool = True,
    ) -> Flask:
        merged: dict[str, Any] = {
            "instance_path": str(tmp_path / f"instance-{len(apps)}"),
            "database_url": civic_database_url(),
            "secret_key": "test-secret-key",
        }
        merged.update(config or {})
        app = create_app(merged, plugins=plugins, load_entrypoints=load_entrypoints)
        app.config["TESTING"] = True
        if migrate:
            with app.app_context():
                upgrade(app)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["civicapps"].db.dispose()


@pytest.fixture
def civic_app(civic_app_factory: AppFactory) -> Flask:
    return civic_app_factory()


@pytest.fixture
def civic_client(civic_app: Flask) -> FlaskClient:
    return civic_app.test_client()


@pytest.fixture
def civic_runner(civic_app: Flask) -> CivicRunner:
    return CivicRunner(civic_app)


def _postgres_server() -> str | None:
    return os.environ.get(TEST_DATABASE_ENV) or None


_ENGINES: dict[str, Any] = {}


def _admin_engine(url: str) -> Any:
    if url not in _ENGINES:
        parsed = make_url(url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        _ENGINES[url] = create_engine(parsed, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    return _ENGINES[url]


@pytest.fixture
def civic_live_server_factory() -> Iterator[LiveServerFactory]:
    """A function serving ``app`` on 127.0.0.1 at a free port, from a daemon thread.

    It returns the base URL without a trailing slash, e.g. ``http://127.0.0.1:41234``. Every server it
    started is shut down when the test ends.
    """
    servers: list[tuple[BaseWSGIServer, threading.Thread]] = []

    def serve(app: Flask) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name=f"civic-live-server-{server.port}", daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.port}"

    yield serve
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def civic_live_server(civic_app: Flask, civic_live_server_factory: LiveServerFactory) -> str:
    """The base URL of ``civic_app`` served over real HTTP (see ``civic_live_server_factory``)."""
    return civic_live_server_factory(civic_app)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def civic_browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (``pip install 'civicapps[test]'``).

    Skips the test when /usr/bin/chromium is missing (``apt-get install chromium``); Playwright's own
    browser download is never needed.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def civic_page(civic_browser: Any) -> Iterator[Any]:
    """A fresh browser tab with no cookies. ``page.console_errors`` lists console errors (CSP blocks land there)."""
    context = civic_browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: page.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def assert_accessible(page: Any) -> None:
    """Fail with axe-core's report if the page breaks any WCAG 2.2 A or AA rule axe can check."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


class _Sink:
    """A server on 127.0.0.1 in a daemon thread that keeps what it receives in ``messages``."""

    def __init__(self, server: socketserver.BaseServer) -> None:
        self.messages: list[Any] = []
        self.server = server
        self.port: int = server.server_address[1]  # type: ignore[index]
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name=f"civic-sink-{self.port}", daemon=True
        )
        self._thread.start()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Any]:
        """Wait until at least ``count`` messages arrived (or ``timeout``); returns all messages."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.messages)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


class NotificationSink(_Sink):
    """An HTTP server on 127.0.0.1 recording what apprise's ``json://`` notifications post to it.

    Paths starting ``/fail`` answer 500 and ``/redirect`` answer 302 to the ``to`` query parameter;
    everything else answers ``status`` (200; set it to make a working destination fail for a while),
    after ``delay`` seconds (0; set it to play a receiver that is slow to answer). ``messages`` holds
    ``{"path", "headers", "body"}`` dicts in arrival order (``body`` parsed from JSON).
    """

    def __init__(self) -> None:
        self.status = 200
        self.delay = 0.0
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                sink.messages.append({"path": self.path, "headers": dict(self.headers), "body": body})
                time.sleep(sink.delay)
                if self.path.startswith("/fail"):
                    self.send_response(500)
                elif self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", self.path.partition("to=")[2] or "http://169.254.169.254/")
                else:
                    self.send_response(sink.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(ThreadingHTTPServer(("127.0.0.1", 0), Handler))

    def url(self, path: str = "/hook") -> str:
        """The sink as a resident's webhook address (``http://127.0.0.1:<port><path>``)."""
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def civic_notification_sink() -> Iterator[NotificationSink]:
    """A :class:`NotificationSink` on a free port, closed when the test ends."""
    sink = NotificationSink()
    yield sink
    sink.close()


class MailSink(_Sink):
    """A minimal SMTP server on 127.0.0.1 that accepts every email and keeps it in ``messages``
    (as :class:`email.message.Message` objects)."""

    def __init__(self) -> None:
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.reply("220 civicapps test mail sink")
                data: list[str] | None = None
                while raw := self.rfile.readline():
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    if data is not None:  # inside DATA, until the lone dot
                        if line == ".":
                            sink.messages.append(email.message_from_string("\n".join(data)))
                            data = None
                            self.reply("250 OK")
                        else:
                            data.append(line[1:] if line.startswith("..") else line)
                        continue
                    command = line.split(" ", 1)[0].upper()
                    if command == "DATA":
                        data = []
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                    elif command == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("250 OK")

            def reply(self, text: str) -> None:
                self.wfile.write(f"{text}\r\n".encode())

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        super().__init__(server)

    def url(self, sender: str = "alerts@council.example") -> str:
        """An apprise mail transport URL for this sink (no TLS, no login)."""
        return f"mailto://127.0.0.1:{self.port}?from={sender}&mode=insecure"


@pytest.fixture
def civic_mail_sink() -> Iterator[MailSink]:
    """A :class:`MailSink` on a free port, closed when the test ends."""
    sink = MailSink()
    yield sink
    sink.close()
