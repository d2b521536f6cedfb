"""RSS and Atom feeds, with GeoRSS (simple and GML) and W3C geo points, parsed by feedparser.

feedparser is forgiving about broken markup, which real council feeds need, but XML entity
declarations are how "billion laughs" and external-entity attacks work. So every document first goes
through defusedxml, which refuses entity declarations, DTD tricks and external references, before
feedparser sees it. A feed needs no entity declarations, so nothing legitimate is lost.
"""

from __future__ import annotations

import calendar
import re
import warnings
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree
import feedparser
from defusedxml import DefusedXmlException

from civicapps.feeds.errors import ReaderError
from civicapps.feeds.readers import RawRecord, Reader, refuse_html

_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
FIELDS = ("id", "title", "link", "summary", "author", "published", "updated")


class FeedReader(Reader):
    format = "rss"
    options: dict[str, str] = {}

    def parse(self, data: bytes, options: Mapping[str, Any]) -> Iterator[RawRecord]:
        check_xml(data, "RSS/Atom feed")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
            except Exception as exc:  # feedparser has no documented error type of its own
                raise ReaderError(f"The RSS/Atom feed cannot be parsed: {type(exc).__name__}.") from None
        if not parsed.get("version") and not parsed.entries:
            problem = parsed.get("bozo_exception")
            raise ReaderError(f"The source is not an RSS or Atom feed{f': {problem}' if problem else ''}.")
        for position, entry in enumerate(parsed.entries, start=1):
            yield _record(position, entry)


def check_xml(data: bytes, what: str) -> None:
    """Refuse XML bombs and external entities; let merely sloppy XML through to the lenient parser."""
    head = data[:2048].decode("utf-8", "replace")
    refuse_html(head, what)
    if _ENTITY.search(data):
        raise ReaderError(f"The {what} declares XML entities, which feeds never need (a possible XML bomb); refused.")
    try:
        defusedxml.ElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ReaderError(f"The {what} uses unsafe XML ({type(exc).__name__}); refused.") from None
    except (ParseError, ValueError, RecursionError):
        pass  # malformed but harmless: feedparser's lenient parser may still read it


def _record(position: int, entry: Any) -> RawRecord:
    # dict.get skips feedparser's deprecated updated<->published aliasing (and its warnings).
    fields: dict[str, Any] = {name: dict.get(entry, name) for name in FIELDS if dict.get(entry, name) is not None}
    for name in ("published", "updated"):
        parsed = dict.get(entry, f"{name}_parsed")
        if parsed:
            fields[name] = datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()
    tags = [t.get("term") for t in entry.get("tags", []) if t.get("term")]
    if tags:
        fields["tags"] = ", ".join(tags)
    geometry = _geometry(entry)
    if geometry:
        fields["geometry"] = geometry
    return RawRecord(position, fields, geometry)


def _geometry(entry: Any) -> dict[str, Any] | None:
    where = entry.get("where")
    if isinstance(where, dict) and where.get("type") and where.get("coordinates"):
        return {"type": where["type"], "coordinates": _lists(where["coordinates"])}
    lat, lon = entry.get("geo_lat"), entry.get("geo_long")
    try:
        return {"type": "Point", "coordinates": [float(lon), float(lat)]} if lat and lon else None
    except (TypeError, ValueError):
        return None


def _lists(value: Any) -> Any:
    return [_lists(v) for v in value] if isinstance(value, list | tuple) else value
