"""Getting a feed's bytes: politely, within limits, and only when they changed.

Every request carries a User-Agent naming the deployment, a connect/read timeout, an overall time
limit and a size cap (a runaway file must not fill the disk or memory). ``If-None-Match`` and
``If-Modified-Since`` make an unchanged feed cost a single 304. Server errors (5xx, 429), timeouts and
cut-short downloads are retried with exponential backoff (or after the server's ``Retry-After``, in
seconds or as an HTTP date); anything else fails at once with a message that says what the server
did. ``file://`` URLs and plain paths read local files (councils that drop exports on disk, and
tests), with the file's size and mtime as its ETag.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
import urllib3

from civicapps.feeds.errors import FeedError
from civicapps.http import build_session, retry_after_seconds

RETRY_STATUSES = {429, 500, 502, 503, 504}
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchSettings:
    """Limits and manners for every request (from ``[plugins.feeds]``)."""

    user_agent: str
    timeout: float = 30.0
    max_seconds: float = 600.0
    max_bytes: int = 200 * 1024 * 1024
    retries: int = 3
    backoff: float = 1.0


@dataclass(frozen=True)
class Fetched:
    """One response body and the validators to send next time; ``body`` is None for a 304."""

    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.body is None


class Fetcher:
    """Fetches URLs and local files under one set of :class:`FetchSettings`."""

    def __init__(self, settings: FetchSettings):
        self.settings = settings
        # The core's session (User-Agent, adapter), without its retries: this class retries by itself,
        # timeouts and cut-short downloads too, all within one deadline.
        self.session = build_session(settings.user_agent, retries=0)

    def get(
        self,
        url: str,
        params: dict[str, Any] | None = None,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Fetched:
        """The body of ``url``, or a :class:`Fetched` with ``body=None`` when the validators still hold."""
        scheme = urlsplit(url).scheme.lower()
        if scheme in ("http", "https"):
            return self._http(url, params, etag, last_modified)
        if scheme == "file":
            return self._file(Path(unquote(urlsplit(url).path)), etag)
        if scheme and len(scheme) > 1:  # a one-letter "scheme" is a Windows drive letter
            raise FeedError(f"Cannot fetch {url}: only http, https and file URLs (or a local path) are supported.")
        return self._file(Path(url), etag)

    def _file(self, path: Path, etag: str | None) -> Fetched:
        try:
            stat = path.stat()
            if stat.st_size > self.settings.max_bytes:
                raise FeedError(
                    f"{path} is {stat.st_size:,} bytes, over the {self.settings.max_bytes:,}-byte limit (max_bytes)."
                )
            tag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
            modified = formatdate(stat.st_mtime, usegmt=True)
            if etag == tag:
                return Fetched(None, tag, modified)
            return Fetched(path.read_bytes(), tag, modified)
        except OSError as exc:
            raise FeedError(f"Cannot read {path}: {exc.strerror or exc}.") from None

    def _http(self, url: str, params: dict[str, Any] | None, etag: str | None, last_modified: str | None) -> Fetched:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        # One wall-clock deadline for the whole fetch (connect, headers, body, retries and their waits):
        # a server trickling a byte every few seconds never trips a per-read timeout, and must not
        # hold the scheduler (and every feed behind this one) for longer than max_seconds.
        deadline = time.monotonic() + self.settings.max_seconds
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            problem, wait = self._attempt(url, params, headers, deadline)
            if isinstance(problem, Fetched):
                return problem
            pause = min(wait if wait is not None else self.settings.backoff * 2**attempt, 60.0)
            if attempt + 1 == attempts or time.monotonic() + pause >= deadline:
                tries = f" (tried {attempt + 1} times)" if attempts > 1 else ""
                raise FeedError(f"Cannot fetch {_shown(url)}: {problem}{tries}.")
            time.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self, url: str, params: dict[str, Any] | None, headers: dict[str, str], deadline: float
    ) -> tuple[Fetched | str, float | None]:
        """One request: (Fetched, None), or (why to retry, seconds to wait or None). Raises if not retryable."""
        started = time.monotonic()
        timeout = min(self.settings.timeout, deadline - started)
        if timeout <= 0:
            raise self._out_of_time(url, 0, started)
        received = [0]  # bytes of body so far, for the message if time runs out
        try:
            with self.session.get(
                url, params=params, headers=headers, timeout=(timeout, timeout), stream=True
            ) as response:
                if response.status_code == 304:
                    return Fetched(None, headers.get("If-None-Match"), headers.get("If-Modified-Since")), None
                if response.status_code in RETRY_STATUSES:
                    wait = retry_after_seconds(response.headers.get("Retry-After"))
                    return f"the server answered HTTP {response.status_code} {response.reason}", wait
                if response.status_code >= 400:
                    raise FeedError(
                        f"Cannot fetch {_shown(url)}: the server answered "
                        f"HTTP {response.status_code} {response.reason}."
                    )
                body = self._read_capped(response, url, deadline, received)
                return Fetched(body, response.headers.get("ETag"), response.headers.get("Last-Modified")), None
        except requests.Timeout:
            if time.monotonic() >= deadline:
                raise self._out_of_time(url, received[0], started) from None
            return f"no answer within {timeout:g} s (timeout)", None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            return "the download was cut short (truncated)", None
        except requests.ConnectionError as exc:  # requests reports a read timeout mid-body as this
            cause = _root_cause(exc)
            if "timed out" in cause.lower():
                if time.monotonic() >= deadline:
                    raise self._out_of_time(url, received[0], started) from None
                return f"no answer within {timeout:g} s (timeout)", None
            return f"connection failed ({cause})", None
        except requests.RequestException as exc:
            raise FeedError(f"Cannot fetch {_shown(url)}: {exc}.") from None

    def _read_capped(self, response: requests.Response, url: str, deadline: float, received: list[int]) -> bytes:
        """The body, read as it arrives (not in whole chunks) so that the deadline holds between bytes."""
        cap = self.settings.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FeedError(f"{_shown(url)} is {int(declared):,} bytes, over the {cap:,}-byte limit (max_bytes).")
        raw = response.raw
        sock = getattr(raw.connection, "sock", None)
        chunks: list[bytes] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise requests.Timeout()
            if sock is not None:  # each wait for data ends by the deadline, not a full timeout later
                sock.settimeout(min(self.settings.timeout, remaining))
            try:
                chunk = raw.read1(CHUNK, decode_content=True)
            except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
                raise requests.Timeout() from None
            except urllib3.exceptions.DecodeError:
                raise requests.exceptions.ContentDecodingError() from None
            except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError, OSError):
                raise requests.exceptions.ChunkedEncodingError() from None
            if not chunk:
                return b"".join(chunks)
            received[0] += len(chunk)
            if received[0] > cap:
                raise FeedError(f"{_shown(url)} sent more than the {cap:,}-byte limit (max_bytes); stopped reading.")
            chunks.append(chunk)

    def _out_of_time(self, url: str, size: int, started: float) -> FeedError:
        return FeedError(
            f"Cannot fetch {_shown(url)}: the server sent only {size:,} bytes in {time.monotonic() - started:.1f} s; "
            f"the limit is {self.settings.max_seconds:g} s per fetch (max_seconds)."
        )


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc).split(": ", 1)[-1] if ": " in str(exc) else str(exc)
    return text or type(exc).__name__


def _shown(url: str) -> str:
    """The URL without its query string, which may hold an API key."""
    parts = urlsplit(url)
    return parts._replace(query="", fragment="").geturl() if parts.scheme else url
