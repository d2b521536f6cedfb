"""Where notifications go in tests: real servers on 127.0.0.1 that apprise delivers to for real.

* ``civic_notification_sink``: a :class:`NotificationSink`, an HTTP server recording every message
  apprise posts to it (a resident's webhook, ``json://``); ``sink.notify_settings()`` is the
  ``[plugins.notify]`` table that lets an app deliver there.
* ``civic_mail_sink``: a :class:`MailSink`, an SMTP server keeping every email
  (``mailto://127.0.0.1:<port>?...``, for ``[plugins.notify] mail_url``).
"""
from __future__ import annotations

import email
import json
import socketserver
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from civicapps.notify.settings import SAFE_SCHEMES


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

    def notify_settings(self, **settings: Any) -> dict[str, Any]:
        """The ``[plugins.notify]`` table that lets an app deliver to this sink, plus ``settings``.

        The egress guard refuses 127.0.0.1 and apprise's ``json://`` is not a resident's channel, so
        an app sends here only when told to; ``config={"plugins": {"notify": sink.notify_settings()}}``.
        """
        return {
            "allowed_schemes": [*SAFE_SCHEMES, "json"],
            "egress_allow": [f"127.0.0.1:{self.port}"],
            "send_timeout_seconds": 5,
            **settings,
        }


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
