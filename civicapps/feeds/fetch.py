"""Getting a feed's bytes: politely, within limits, and only when they changed.

Every request carries a User-Agent naming the deployment, a connect/read timeout, an overall time
limit and a size cap (a runaway file must not fill the disk or memory). ``If-None-Match`` and
``If-Modified-Since`` make an unchanged feed cost a single 304. Server errors (5xx, 429), timeouts and
cut-short downloads are retried with exponential backoff; anything else fails at once with a message
that says what the server did. ``file://`` URLs and plain paths read local files (councils that drop
exports on disk, and tests), with the file's size and mtime as its ETag.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

from civicapps.feeds.errors import FeedError

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
        self.session = requests.Session()
        self.session.headers["User-Agent"] = settings.user_agent

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
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            problem, wait = self._attempt(url, params, headers)
            if isinstance(problem, Fetched):
                return problem
            if attempt + 1 == attempts:
                tries = f" (tried {attempts} times)" if attempts > 1 else ""
                raise FeedError(f"Cannot fetch {_shown(url)}: {problem}{tries}.")
            time.sleep(min(wait if wait is not None else self.settings.backoff * 2**attempt, 60.0))
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self, url: str, params: dict[str, Any] | None, headers: dict[str, str]
    ) -> tuple[Fetched | str, float | None]:
        """One request: (Fetched, None), or (why to retry, seconds to wait or None). Raises if not retryable."""
        timeout = self.settings.timeout
        try:
            with self.session.get(
                url, params=params, headers=headers, timeout=(timeout, timeout), stream=True
            ) as response:
                if response.status_code == 304:
                    return Fetched(None, headers.get("If-None-Match"), headers.get("If-Modified-Since")), None
                if response.status_code in RETRY_STATUSES:
                    return f"the server answered HTTP {response.status_code} {response.reason}", _retry_after(response)
                if response.status_code >= 400:
                    raise FeedError(
                        f"Cannot fetch {_shown(url)}: the server answered HTTP {response.status_code} {response.reason}."
                    )
                body = self._read_capped(response, url)
                return Fetched(body, response.headers.get("ETag"), response.headers.get("Last-Modified")), None
        except requests.Timeout:
            return f"no answer within {timeout:g} s (timeout)", None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            return "the download was cut short (truncated)", None
        except requests.ConnectionError as exc:  # requests reports a read timeout mid-body as this
            cause = _root_cause(exc)
            if "timed out" in cause.lower():
                return f"no answer within {timeout:g} s (timeout)", None
            return f"connection failed ({cause})", None
        except requests.RequestException as exc:
            raise FeedError(f"Cannot fetch {_shown(url)}: {exc}.") from None

    def _read_capped(self, response: requests.Response, url: str) -> bytes:
        cap = self.settings.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FeedError(f"{_shown(url)} is {int(declared):,} bytes, over the {cap:,}-byte limit (max_bytes).")
        deadline = time.monotonic() + self.settings.max_seconds
        chunks, size = [], 0
        for chunk in response.iter_content(CHUNK):
            size += len(chunk)
            if size > cap:
                raise FeedError(f"{_shown(url)} sent more than the {cap:,}-byte limit (max_bytes); stopped reading.")
            if time.monotonic() > deadline:
                raise requests.Timeout()
            chunks.append(chunk)
        return b"".join(chunks)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc).split(": ", 1)[-1] if ": " in str(exc) else str(exc)
    return text or type(exc).__name__


def _shown(url: str) -> str:
    """The URL without its query string, which may hold an API key."""
    parts = urlsplit(url)
    return parts._replace(query="", fragment="").geturl() if parts.scheme else url
