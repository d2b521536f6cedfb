"""Rate limits shared by every web process: counted in the database, or in Redis when the queue is there.

A limit kept in process memory is no limit under gunicorn: four workers meant four times the
guesses, and a restart forgot them all. So every limit counts in one place all processes see: by
default a table in the app's database (SQLite or PostgreSQL, nothing more to run), or Redis when
``queue_url`` is a Redis URL (the deployment already runs it for the job queue, and it is the
faster of the two under many web processes).

Each limit is a *sliding-window counter* (as Cloudflare and the ``limits`` library count): hits are
kept per fixed window, and the previous window's count is weighted by how much of it still
overlaps the last ``per`` seconds. That is two small counters per key rather than a row per hit,
and it never lets through the doubled burst a plain fixed window allows at its boundary.

Hits are counted before the work they guard and refused ones are taken back at once, so processes
racing on the same key can only refuse too much for an instant, never let more through than
``limit``. Keys (client addresses, email addresses) are stored only as keyed hashes.

We wrote this rather than use Flask-Limiter: its storage layer (``limits``) has no SQL backend, so
the default single-machine deployment would have had to run Redis or memcached, and our limits are
decisions inside views (count only failed sign-ins, per account and per address) rather than
decorators on routes.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import BigInteger, Integer, String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from civicapps.db import Model, db_session, dialect_insert

logger = logging.getLogger(__name__)


class RateCount(Model):
    """Hits on one limit's key in one window (the database store)."""

    __tablename__ = "core_rate_limit"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires: Mapped[int] = mapped_column(BigInteger, index=True)  # epoch seconds; gone after the next window


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` hits per key in any ``per`` period, counted across every process.

    Make one per kind of action, named ``"<plugin>.<what>"`` so plugins' counts never mix; the
    key is whatever is being limited (``request.remote_addr``, an email address, an account id)::

        REPORTS = RateLimit("street_reports.report", limit=10, per=timedelta(hours=1))

        if not REPORTS.hit(request.remote_addr or "unknown"):
            abort(429)

    A key that is an IPv6 address counts for its whole /64 network: a home or a server is given a
    /64, so someone limited on one address could otherwise just move to the next of its 2**64.
    """

    name: str
    limit: int
    per: timedelta

    def __post_init__(self) -> None:
        if self.limit < 1 or self.per.total_seconds() < 1:
            raise ValueError(f"RateLimit {self.name!r}: limit and per must be at least 1 and 1 second")

    def hit(self, key: str) -> bool:
        """Count one hit on ``key`` and say whether it is allowed (a refused hit is not counted).

        Uses the current app's store. With the database store this commits the request's session
        first, like ``db_session(write=True)``: call it before changing anything.
        """
        window, overlap = self._window()
        return _store(current_app).hit(self._hashed(key), window, overlap, self.limit, self._seconds)

    def undo(self, key: str) -> None:
        """Take back one hit on ``key``: for an attempt that turned out not to count (a sign-in that
        succeeded, when only failures are limited)."""
        window, _ = self._window()
        _store(current_app).undo(self._hashed(key), window)

    @property
    def _seconds(self) -> int:
        return int(self.per.total_seconds())

    def _window(self) -> tuple[int, float]:
        """This window's number and how much of the previous window still counts (1.0 down to 0)."""
        now = time.time()
        window, into = divmod(now, self._seconds)
        return int(window), 1.0 - into / self._seconds

    def _hashed(self, key: str) -> str:
        secret = str(current_app.secret_key).encode()
        return hmac.new(secret, f"{self.name}\0{_network(key)}".encode(), hashlib.sha256).hexdigest()[:64]


def _network(key: str) -> str:
    """An IPv6 address as its /64 network; any other key as it is."""
    if ":" not in key:
        return key
    try:
        address = ipaddress.IPv6Address(key)
    except ValueError:
        return key
    if address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((address, 64), strict=False))


class _Store(Protocol):
    def hit(self, key: str, window: int, overlap: float, limit: int, seconds: int) -> bool: ...

    def undo(self, key: str, window: int) -> None: ...


def _store(app: Flask) -> _Store:
    """Redis when the job queue is on Redis, else the database; made once per app."""
    store = app.extensions.get("civicapps_rate_store")
    if store is None:
        url = app.extensions["civicapps"].settings.queue_url or ""
        store = RedisStore(url) if url.startswith(("redis:", "rediss:")) else DatabaseStore()
        app.extensions["civicapps_rate_store"] = store
    return store


class DatabaseStore:
    """Counts in ``core_rate_limit``: one upsert per hit, rows deleted once their window has passed."""

    def hit(self, key: str, window: int, overlap: float, limit: int, seconds: int) -> bool:
        session = db_session(write=True)  # the upsert opens the transaction holding the write lock
        table = RateCount.__table__
        upsert = dialect_insert(session.get_bind().dialect.name, table).values(
            key=key, window=window, count=1, expires=(window + 2) * seconds
        )
        upsert = upsert.on_conflict_do_update(index_elements=["key", "window"], set_={"count": table.c.count + 1})
        earlier = RateCount.__table__.alias("earlier")
        previous = select(earlier.c.count).where(earlier.c.key == key, earlier.c.window == window - 1)
        current, before = session.execute(upsert.returning(table.c.count, previous.scalar_subquery())).one()
        allowed = (before or 0) * overlap + current <= limit
        if not allowed:
            session.execute(_take_back(key, window))
        elif current == 1:  # a key's first hit in a window: a cheap moment to forget passed windows
            session.execute(delete(RateCount).where(RateCount.expires < time.time()))
        session.commit()
        return allowed

    def undo(self, key: str, window: int) -> None:
        session = db_session(write=True)
        session.execute(_take_back(key, window))
        session.commit()


def _take_back(key: str, window: int) -> Any:
    return (
        update(RateCount)
        .where(RateCount.key == key, RateCount.window == window, RateCount.count > 0)
        .values(count=RateCount.count - 1)
    )


# One round trip, atomic: count the hit, weigh the previous window, take the hit back if over.
_HIT = """
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[1]) + current > tonumber(ARGV[2]) then
  redis.call('DECR', KEYS[1])
  return 0
end
return 1
"""
_UNDO = """
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
"""


class RedisStore:
    """Counts in Redis keys ``civicapps:limit:<key>:<window>``, which expire on their own.

    While Redis cannot be reached (restarting, say) the database counts instead, with a warning in
    the log: limits keep holding, split between the two stores at worst, and no request fails.
    """

    def __init__(self, url: str):
        import redis  # only needed when the queue is on Redis; civicapps[redis] installs it

        self._errors = redis.RedisError
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._hit = self._redis.register_script(_HIT)
        self._undo = self._redis.register_script(_UNDO)
        self._fallback = DatabaseStore()

    def hit(self, key: str, window: int, overlap: float, limit: int, seconds: int) -> bool:
        keys = [f"civicapps:limit:{key}:{window}", f"civicapps:limit:{key}:{window - 1}"]
        try:
            return bool(self._hit(keys=keys, args=[repr(overlap), limit, 2 * seconds]))
        except self._errors as exc:
            logger.warning("Rate limits are counted in the database while Redis is unreachable: %s", exc)
            return self._fallback.hit(key, window, overlap, limit, seconds)

    def undo(self, key: str, window: int) -> None:
        try:
            self._undo(keys=[f"civicapps:limit:{key}:{window}"])
        except self._errors:
            self._fallback.undo(key, window)
