"""A scripted HTTP server on 127.0.0.1 for the HTTP session and fetch tests: each request gets the
next (status, headers) of a list, and every request is logged with its headers and arrival time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Scripted:
    """Answers each request with the next (status, headers) of ``answers`` (the last one repeats)."""

    answers: list[tuple[int, dict[str, str]]] = field(default_factory=lambda: [(200, {})])
    seen: list[tuple[str, dict[str, str], float]] = field(default_factory=list)
    delay: float = 0.0
    url: str = ""


@contextmanager
def scripted_server() -> Iterator[Scripted]:
    """The server, running until the block ends; set ``answers`` (and ``delay``) before requesting."""
    state = Scripted()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._answer()

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._answer()

        def _answer(self) -> None:
            state.seen.append((self.command, dict(self.headers), time.monotonic()))
            if state.delay:
                time.sleep(state.delay)
            status, headers = state.answers[min(len(state.seen), len(state.answers)) - 1]
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
