"""Readers turn what a source sends into :class:`RawRecord` objects, one module per format.

A reader knows a format, not a dataset: it yields each record's fields as the source names them, its
position (CSV line, or record number) for error reports, and its geometry when the format has one.
The only exception a reader lets out for bad input is :class:`ReaderError`; property tests throw
random bytes at every reader to keep it so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from civicapps.feeds.errors import ReaderError
from civicapps.feeds.fetch import Fetched, Fetcher


@dataclass(slots=True)
class RawRecord:
    """One record as the source has it: field values by source name, plus its geometry if any.

    ``position`` is what an error report calls the record: the line number of a CSV row, the 1-based
    index of a JSON, GeoJSON, feed or API record. ``geometry`` is a GeoJSON geometry in ``crs``
    (WGS84 when ``crs`` is None). A reader that can tell a record is damaged (a CSV row with the wrong
    number of cells) sets ``problem``; the record is then reported and skipped.
    """

    position: int
    fields: dict[str, Any]
    geometry: dict[str, Any] | None = None
    crs: str | None = None
    problem: str | None = None


class NotModified(Exception):
    """The source has not changed since the last successful pull (a 304, or the same bytes)."""


@dataclass
class Source:
    """What a reader reads from: the feed URL, the reader options, and conditional-request state.

    The first :meth:`fetch` of a pull is conditional: it raises :class:`NotModified` when the server
    answers 304, or (for single-document formats) when the bytes are the same as last time. Readers
    must let NotModified through.
    """

    url: str
    options: Mapping[str, Any]
    fetcher: Fetcher
    etag: str | None = None
    last_modified: str | None = None
    last_digest: str | None = None
    single_document: bool = True
    digest: str | None = None
    requests: int = 0
    _hash: Any = field(default_factory=hashlib.sha256, repr=False)

    def fetch(self, url: str | None = None, params: dict[str, Any] | None = None) -> bytes:
        """The body at ``url`` (default: the feed URL) with ``params`` as its query string."""
        first = self.requests == 0
        self.requests += 1
        fetched: Fetched = self.fetcher.get(
            url or self.url,
            params,
            etag=self.etag if first else None,
            last_modified=self.last_modified if first else None,
        )
        if first:
            if fetched.not_modified:
                raise NotModified()
            self.etag, self.last_modified = fetched.etag, fetched.last_modified
        body = fetched.body or b""
        self._hash.update(body)
        self.digest = self._hash.hexdigest()
        if first and self.single_document and self.digest == self.last_digest:
            raise NotModified()
        return body


class Reader:
    """Base class for readers. Subclasses set ``format`` and ``options`` and implement :meth:`read`.

    ``options`` maps each option a feed may set under ``[feeds.<name>.options]`` to a one-line
    description; unknown options are refused at startup.
    """

    format: ClassVar[str] = ""
    options: ClassVar[dict[str, str]] = {}
    single_document: ClassVar[bool] = True

    def read(self, source: Source) -> Iterator[RawRecord]:
        """Yield every record of ``source``; raise :class:`ReaderError` for input that is not this format."""
        return self.parse(source.fetch(), source.options)

    def parse(self, data: bytes, options: Mapping[str, Any]) -> Iterator[RawRecord]:
        """Records from one document (single-document formats)."""
        raise NotImplementedError


def text_of(data: bytes, what: str, encoding: str | None = None) -> str:
    """Decode a document: BOMs honoured, UTF-8 tried before Windows-1252; HTML error pages refused."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReaderError(f"The {what} source is binary data, not text.")
    try:
        if encoding:
            text = data.decode(encoding)
        elif data.startswith(b"\xef\xbb\xbf"):
            text = data[3:].decode("utf-8")
        elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
    except (UnicodeDecodeError, LookupError) as exc:
        raise ReaderError(_decode_problem(data, what, encoding, exc)) from None
    refuse_html(text, what)
    return text


def _decode_problem(data: bytes, what: str, encoding: str | None, exc: Exception) -> str:
    if isinstance(exc, LookupError):
        return f"Unknown encoding {encoding!r} in the feed options."
    assert isinstance(exc, UnicodeDecodeError)
    line = data[: exc.start].count(b"\n") + 1
    tried = encoding or "UTF-8 or Windows-1252"
    return (
        f"The {what} source is not {tried} text: byte 0x{data[exc.start]:02x} on line {line} cannot be decoded; "
        "set options.encoding to the file's encoding."
    )


def refuse_html(text: str, what: str) -> None:
    """A web server's error page where data was expected is a failed feed, not a feed of HTML rows."""
    head = text[:1024].lstrip().lower()
    if head.startswith(("<!doctype html", "<html")) or ("<html" in head and "<body" in text[:4096].lower()):
        start = text.lower().find("<title>")
        title = text[start + 7 : text.lower().find("</title>", start)].strip()[:80] if start >= 0 else ""
        raise ReaderError(f"The source sent an HTML page{f' ({title!r})' if title else ''} instead of {what} data.")


def object_records(items: list[Any]) -> list[RawRecord]:
    """One record per JSON item, numbered from 1; an item that is not an object is reported, not fatal."""
    return [
        RawRecord(i, flatten(item))
        if isinstance(item, dict)
        else RawRecord(i, {}, problem=f"is a JSON {type(item).__name__}, not an object")
        for i, item in enumerate(items, start=1)
    ]


def flatten(value: Any, prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Nested JSON objects as dotted keys (``{"a": {"b": 1}}`` -> ``{"a.b": 1}``), so mappings name them."""
    out = {} if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(item, dict) and item:
                flatten(item, name, out)
            out[name] = item
    return out
