"""How each feed is doing, as plain data a plugin can show: ``civicapps.feed_health``.

A plugin tells its residents when a council's feed is broken (so silence is never mistaken for
"nothing new") and shows its staff how its feeds are doing. It needs the same answer the core's
``civicapps feeds list`` and ``/-/feeds`` give, without the feeds' tables or registry: one
:class:`FeedHealth` per feed, built from :func:`civicapps.feeds.schedule.statuses`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask

from civicapps.clock import utcnow
from civicapps.feeds.registry import Feed, feeds_registry
from civicapps.feeds.schedule import FeedStatus, statuses


@dataclass(frozen=True)
class FeedHealth:
    """One feed's health: its last pulls, whether it is stale, and when it is next pulled.

    ``feed`` is the feed's definition, or None for a feed that was pulled before but is configured no
    more (its records stay stored). ``last_attempt_at`` is None for a feed never pulled. ``last_error``
    (at ``last_error_at``) is the error of the latest failed pull, kept after the feed recovers;
    ``failing_since`` is set only while the feed is failing. ``stale`` is true once a feed has failed
    for longer than its ``failing_after``: its records may be out of date, and staff are warned.
    ``next_pull_at`` is when the schedule pulls it next (None for a feed that is off or not
    configured; now or earlier when it is due). The ``rows_*`` counts are those of the last pull
    that read the source.
    """

    name: str
    feed: Feed | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    failing_since: datetime | None
    stale: bool
    next_pull_at: datetime | None
    rows_read: int = 0
    rows_new: int = 0
    rows_changed: int = 0
    rows_skipped: int = 0
    rows_warned: int = 0


def feed_health(app: Flask, *, dataset: str | None = None) -> list[FeedHealth]:
    """Every feed's health (only the feeds of ``dataset``, e.g. ``"planning_alerts.application"``, if given).

    Configured feeds come first, in configuration order, then feeds pulled before but configured no
    more (left out when ``dataset`` is given: their dataset is not known). Reads the feeds' state
    once; raises CivicappsError when the feeds' tables are missing (``civicapps db upgrade``).
    """
    now = utcnow()
    plans = feeds_registry(app).plans
    found = []
    for status in statuses(app, now):
        feed = plans[status.name].feed if status.configured else None
        if dataset is None or (feed is not None and feed.dataset == dataset):
            found.append(_health(status, feed, now))
    return found


def _health(status: FeedStatus, feed: Feed | None, now: datetime) -> FeedHealth:
    state = status.state
    if state is None:
        return FeedHealth(status.name, feed, None, None, None, None, None, status.flagged, _next(feed, None, now))
    attempted = state.last_attempt_at
    return FeedHealth(
        name=status.name,
        feed=feed,
        last_attempt_at=attempted,
        last_success_at=state.last_success_at,
        last_error=state.last_error,
        last_error_at=state.last_error_at,
        failing_since=state.failing_since,
        stale=status.flagged,
        next_pull_at=_next(feed, attempted, now),
        rows_read=state.rows_read or 0,
        rows_new=state.rows_new or 0,
        rows_changed=state.rows_changed or 0,
        rows_skipped=state.rows_skipped or 0,
        rows_warned=state.rows_warned or 0,
    )


def _next(feed: Feed | None, attempted: datetime | None, now: datetime) -> datetime | None:
    """When the schedule pulls the feed next: its interval after the last attempt (now if never tried)."""
    if feed is None or not feed.enabled:
        return None
    return attempted + feed.interval if attempted else now
