"""Postcode lookups: imported table first, then cache, then postcodes.io in bulk.

This is the core's own way of placing a postcode; :mod:`civicapps.geo.geocoding` is the other side,
asking the ``geocode`` hook (whose core answer comes from here). The hook answers one query at a time,
which is right for a resident typing a postcode but would mean one HTTP request per row for a feed.
So ingest first calls :meth:`PostcodeService.lookup` with every postcode of a batch (100 per
postcodes.io request), which fills the per-app cache that the core's ``geocode`` implementation then
answers from. Answers, negative ones included, are cached in memory and (unless ``persist=False``) in
``geo_lookup_cache`` for ``cache_days``. postcodes.io is called through the host's HTTP session
(:mod:`civicapps.http`): its User-Agent, and a retry when postcodes.io is briefly overloaded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from sqlalchemy import inspect, select

from civicapps.clock import utcnow
from civicapps.db import get_database, writing_session
from civicapps.geo.models import LookupCache, Postcode
from civicapps.geo.postcodes import Location, PostcodeAnswer, normalise_postcode
from civicapps.http import build_session
from civicapps.upsert import upsert

BULK_LIMIT = 100  # postcodes.io refuses more per request
CONNECT_TIMEOUT = 3.0  # an unreachable postcodes.io (offline, firewalled) must fail fast, not in timeout_seconds
OFFLINE_SECONDS = 30.0  # after postcodes.io proved unreachable, lookups do not wait on it again for this long
_IN_CHUNK = 500
MEMORY_LIMIT = 200_000  # answers kept per process before the memory cache starts again


class Unreachable(Exception):
    """postcodes.io could not be connected to (offline, DNS, firewall, timeout); ``answers`` were had before."""

    def __init__(self, detail: str, answers: dict[str, PostcodeAnswer]):
        super().__init__(detail)
        self.detail, self.answers = detail, answers


class PostcodesIo:
    """Client for postcodes.io or a council's self-hosted copy of it (``base_url``)."""

    source = "postcodes.io"

    def __init__(self, base_url: str, *, user_agent: str, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        # (connect, read): connecting is quick when postcodes.io is there at all.
        self.timeout = (min(CONNECT_TIMEOUT, timeout), timeout)
        self.session = build_session(user_agent)

    def lookup(self, postcode: str) -> PostcodeAnswer:
        """One postcode (``GET /postcodes/{postcode}``); raises :class:`Unreachable` when offline."""
        try:
            response = self.session.get(f"{self.base_url}/postcodes/{postcode}", timeout=self.timeout)
            if response.status_code == 404:
                return PostcodeAnswer(postcode, "unknown")
            response.raise_for_status()
            return self._answer(postcode, response.json().get("result"))
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Unreachable(_describe(exc), {}) from None
        except (requests.RequestException, ValueError, AttributeError) as exc:
            return PostcodeAnswer(postcode, "error", detail=_describe(exc))

    def lookup_many(self, postcodes: list[str]) -> dict[str, PostcodeAnswer]:
        """Many postcodes, 100 per ``POST /postcodes`` request.

        Raises :class:`Unreachable` (with the answers already had) when postcodes.io cannot be
        reached: the remaining chunks are not tried, so offline a pull costs one failed connection.
        """
        answers: dict[str, PostcodeAnswer] = {}
        for start in range(0, len(postcodes), BULK_LIMIT):
            chunk = postcodes[start : start + BULK_LIMIT]
            try:
                response = self.session.post(
                    f"{self.base_url}/postcodes", json={"postcodes": chunk}, timeout=self.timeout
                )
                response.raise_for_status()
                results = {item["query"]: item.get("result") for item in response.json()["result"]}
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise Unreachable(_describe(exc), answers) from None
            except (requests.RequestException, ValueError, KeyError, TypeError, AttributeError) as exc:
                answers.update({pc: PostcodeAnswer(pc, "error", detail=_describe(exc)) for pc in chunk})
                continue
            for pc in chunk:
                answers[pc] = self._answer(pc, results.get(pc))
        return answers

    def _answer(self, postcode: str, result: Any) -> PostcodeAnswer:
        if not isinstance(result, dict):
            return PostcodeAnswer(postcode, "unknown")
        lat, lon = result.get("latitude"), result.get("longitude")
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            return PostcodeAnswer(postcode, "no_coordinates")
        return PostcodeAnswer(postcode, "found", Location(float(lat), float(lon), self.source))


def _describe(exc: Exception) -> str:
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"postcodes.io answered HTTP {exc.response.status_code}"
    if isinstance(exc, requests.RequestException):
        return f"postcodes.io unreachable ({type(exc).__name__})"
    return "postcodes.io sent an unexpected answer"


class PostcodeService:
    """Per-app postcode lookups with their caches (``app.extensions["civicapps_geo"]``)."""

    def __init__(self, app: Flask, online: PostcodesIo | None, cache_days: int):
        self.app = app
        self.online = online
        self.cache_ttl = timedelta(days=cache_days)
        self.memory: dict[str, PostcodeAnswer] = {}
        self._tables: bool | None = None
        self._deferred: list[PostcodeAnswer] | None = None
        self._pull = threading.local()  # failures remembered by this thread's pull (see remembering_failures)
        # Offline, every resident's search would otherwise wait out the connect timeout again.
        self._unreachable: tuple[float, str] | None = None  # (monotonic time it failed, why)

    @contextmanager
    def remembering_failures(self) -> Iterator[None]:
        """Within the block (one pull), a postcode whose lookup failed is not asked again.

        Failures are never cached beyond it (postcodes.io may be back for the next pull), but within
        a pull the per-row ``geocode`` hook calls must not repeat a bulk lookup that just failed.
        Per thread, so a web request never sees a worker's pull.
        """
        outer = getattr(self._pull, "failed", None)
        if outer is None:
            self._pull.failed, self._pull.unreachable = {}, None
        try:
            yield
        finally:
            if outer is None:
                self._pull.failed = self._pull.unreachable = None

    @contextmanager
    def deferred_writes(self) -> Iterator[None]:
        """Queue cache writes until the block ends: a feed pull holds the SQLite write lock meanwhile."""
        self._deferred = []
        try:
            yield
        finally:
            pending, self._deferred = self._deferred, None
            if pending:
                self._store(pending)

    def lookup(self, postcodes: Iterable[str], *, persist: bool = True) -> dict[str, PostcodeAnswer]:
        """Answers keyed by the text asked; spelling is normalised before any lookup."""
        asked = {text: normalise_postcode(text) for text in postcodes}
        failed: dict[str, PostcodeAnswer] | None = getattr(self._pull, "failed", None)
        wanted = sorted({pc for pc in asked.values() if pc and pc not in self.memory and pc not in (failed or ())})
        uncached = self._resolve(wanted, persist) if wanted else {}
        if failed is not None:
            failed.update(uncached)
            uncached = failed
        return {
            text: (self.memory.get(pc) or uncached[pc]) if pc else PostcodeAnswer(text, "invalid")
            for text, pc in asked.items()
        }

    def _resolve(self, wanted: list[str], persist: bool) -> dict[str, PostcodeAnswer]:
        """Fill the memory cache for ``wanted``; return the answers that must not be cached.

        Not cached: lookup errors (asked again next time) and "unknown" when no online source was
        asked (a postcode table imported later must be seen by a long-running web process).
        """
        if len(self.memory) > MEMORY_LIMIT:
            self.memory.clear()
        if self._has_tables():
            self.memory.update(self._from_table(wanted))
            self.memory.update(self._from_cache([pc for pc in wanted if pc not in self.memory]))
        missing = [pc for pc in wanted if pc not in self.memory]
        if not missing or self.online is None:
            return {pc: PostcodeAnswer(pc, "unknown") for pc in missing}
        offline = getattr(self._pull, "unreachable", None)
        recent = self._unreachable
        if offline is None and recent is not None and time.monotonic() - recent[0] < OFFLINE_SECONDS:
            offline = recent[1]
        try:
            if offline:
                raise Unreachable(offline, {})
            answers = (
                self.online.lookup_many(missing) if len(missing) > 1 else {missing[0]: self.online.lookup(missing[0])}
            )
        except Unreachable as exc:
            if not offline:
                self._unreachable = (time.monotonic(), exc.detail)
            if getattr(self._pull, "failed", None) is not None:
                self._pull.unreachable = exc.detail
            answers = {pc: exc.answers.get(pc) or PostcodeAnswer(pc, "error", detail=exc.detail) for pc in missing}
        keep = {pc: a for pc, a in answers.items() if a.status != "error"}
        self.memory.update(keep)
        if persist and keep and self._has_tables():
            if self._deferred is not None:
                self._deferred.extend(keep.values())
            else:
                self._store(list(keep.values()))
        return {pc: a for pc, a in answers.items() if a.status == "error"}

    def _has_tables(self) -> bool:
        """False before ``civicapps db upgrade``: ``civicapps pull`` must work on an empty database."""
        if self._tables is None:
            db = get_database(self.app)
            path = db.url.database if db.url.get_backend_name() == "sqlite" else None
            if path and path != ":memory:" and not Path(path).exists():
                return False  # connecting would create the file
            names = inspect(db.engine).get_table_names()
            self._tables = Postcode.__tablename__ in names and LookupCache.__tablename__ in names
        return self._tables

    def _from_table(self, wanted: list[str]) -> dict[str, PostcodeAnswer]:
        answers = {}
        with get_database(self.app).sessionmaker() as session:
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start : start + _IN_CHUNK]
                for row in session.scalars(select(Postcode).where(Postcode.postcode.in_(chunk))):
                    answers[row.postcode] = _stored_answer(row.postcode, row.latitude, row.longitude, row.source)
        return answers

    def _from_cache(self, wanted: list[str]) -> dict[str, PostcodeAnswer]:
        answers = {}
        fresh = utcnow() - self.cache_ttl
        with get_database(self.app).sessionmaker() as session:
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start : start + _IN_CHUNK]
                query = select(LookupCache).where(LookupCache.query.in_(chunk), LookupCache.fetched_at >= fresh)
                for row in session.scalars(query):
                    answer = _stored_answer(row.query, row.latitude, row.longitude, row.source)
                    answers[row.query] = answer if row.status != "unknown" else PostcodeAnswer(row.query, "unknown")
        return answers

    def _store(self, answers: list[PostcodeAnswer]) -> None:
        now = utcnow()
        rows = [
            {
                "query": a.postcode,
                "status": a.status,
                "latitude": a.location.latitude if a.location else None,
                "longitude": a.location.longitude if a.location else None,
                "source": self.online.source if self.online else "",
                "fetched_at": now,
            }
            for a in answers
        ]
        joined = writing_session(self.app)
        if joined is not None:  # a write request holds the lock: the cache row goes with its work
            upsert(joined, LookupCache.__table__, rows, ["query"])
            return
        with get_database(self.app).write_sessionmaker() as session:
            upsert(session, LookupCache.__table__, rows, ["query"])
            session.commit()


def _stored_answer(postcode: str, lat: float | None, lon: float | None, source: str) -> PostcodeAnswer:
    if lat is None or lon is None:
        return PostcodeAnswer(postcode, "no_coordinates")
    return PostcodeAnswer(postcode, "found", Location(lat, lon, source))
