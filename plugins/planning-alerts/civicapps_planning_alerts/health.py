"""Telling residents when a council's feed is broken, so silence is never mistaken for "nothing new".

A feed failing for longer than its ``failing_after``, or a council with no new application for
``quiet_days``, is named on the search and alert pages (staff see the details on their dashboard).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from weakref import WeakKeyDictionary

from flask import Flask, current_app
from sqlalchemy import func, select

from civicapps import db_session, feed_health
from civicapps_planning_alerts.models import DATASET, Application
from civicapps_planning_alerts.settings import current_settings

#: Pages ask on every view; the answer changes only with pulls, so it is kept this long per process.
CACHE_SECONDS = 60

#: The notices and when they were worked out, per app (an app that is gone takes its entry with it).
CACHE: WeakKeyDictionary[Flask, tuple[datetime, list[str]]] = WeakKeyDictionary()


def notices() -> list[str]:
    """Sentences for residents about councils whose applications may be missing right now (cached)."""
    # The app behind the proxy (Flask's documented way): the cache holds it weakly, and a proxy has no weakref.
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # flask types current_app as Flask
    now = datetime.now(UTC)
    cached = CACHE.get(app)
    if cached is None or now - cached[0] > timedelta(seconds=CACHE_SECONDS):
        cached = CACHE[app] = (now, _notices(app, now))
    return cached[1]


def _notices(app: Flask, now: datetime) -> list[str]:
    found = []
    for health in feed_health(app, dataset=DATASET):
        if not health.stale or health.feed is None or not health.feed.enabled:
            continue
        since = f"since {health.last_success_at:%-d %B %Y}" if health.last_success_at else "yet"
        found.append(
            f"We have not been able to read the planning list of {health.feed.authority or health.name} {since}: "
            "new applications there may be missing, and alerts about them may be late."
        )
    quiet = now - timedelta(days=current_settings().quiet_days)
    last_new = select(Application.authority, func.max(Application.first_seen_at)).group_by(Application.authority)
    for authority, last in db_session().execute(last_new):
        if last < quiet:
            found.append(
                f"No new planning applications from {authority} have reached us since {last:%-d %B %Y}; "
                "its list may not be updating."
            )
    return found
