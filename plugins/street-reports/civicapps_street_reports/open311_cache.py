"""Open311 request lists served from memory while nothing they show has changed.

``requests.json`` with GeoReport's default window is 1,000 requests (about 620 kB): reading and
encoding them costs tens of milliseconds, an endpoint that does nothing well under one, so a busy
window cannot be built per request. Each web process keeps the encoded bodies it answered, keyed
by the Open311 change counter (:data:`.changes.OPEN311`, bumped in the transaction of every write
to a report, update, photo, delivery, body or category it shows), the format and the query. A
write in any process moves the counter in the database, so the next request in every process
misses and builds afresh: an unchanged window costs one indexed read of the counter row.

Time moves the default window too (its start is 90 days before now), with no write: an entry also
holds until when it stays right (:meth:`.RequestQuery.stale_after`) and is rebuilt after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from werkzeug.http import generate_etag

from civicapps import db_session, utcnow
from civicapps_street_reports import answer_cache, changes, georeport
from civicapps_street_reports.open311_data import RequestQuery, find_requests

#: answers kept per process: each at most about 1 MB (1,000 requests in XML), so at most ~32 MB
CACHE_SIZE = 32


@dataclass(frozen=True)
class Rendered:
    """An encoded request list, its ETag (the same hash an uncached answer of these bytes gets, so
    every process names the same body alike) and when it may go stale with no write (None: never)."""

    body: bytes
    etag: str
    stale_after: datetime | None


def requests(fmt: str, query: RequestQuery) -> Rendered:
    """The ``fmt`` body answering ``query``: from this process's cache while the counter has not
    moved, else read, encoded and kept. Raises :class:`.ApiError` for a bad query (never kept)."""
    session = db_session()
    cache = answer_cache.for_view("open311", CACHE_SIZE)
    # the counter is read before the rows: a write between the two leaves newer rows under an older
    # counter, a key no later request asks for, never older rows under a newer one
    key = (changes.OPEN311.token(session), fmt, query)
    found: Rendered | None = cache.get(key)
    if found is not None and (found.stale_after is None or utcnow() < found.stale_after):
        return found
    rows = find_requests(query)
    body = georeport.encode(fmt, "service_requests", rows)
    made = Rendered(body=body, etag=generate_etag(body), stale_after=query.stale_after(rows))
    cache.put(key, made)
    return made
