"""Telling residents when a council's feed is broken, so silence is never mistaken for "nothing new".

A feed failing for longer than its ``failing_after``, or a council with no new application for
``quiet_days``, is named on the search and alert pages (staff see the details on their dashboard).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select

from civicapps import db_session
from civicapps.feeds.schedule import statuses
from civicapps_planning_alerts.models import DATASET, Application
from civicapps_planning_alerts.settings import current_settings

#: Pages ask on every view; the answer changes only with pulls, so it is kept this long per process.
CACHE_SECONDS = 60


def notices(app: Flask) -> list[str]:
    """Sentences for residents about councils whose applications may be missing right now (cached)."""
    now = datetime.now(UTC)
    cached = app.extensions.get("planning_alerts_notices")
    if cached is None or now - cached[0] > timedelta(seconds=CACHE_SECONDS):
        cached = app.extensions["planning_alerts_notices"] = (now, _notices(app, now))
    return cached[1]


def _notices(app: Flask, now: datetime) -> list[str]:
    found = []
    for status in statuses(app, now):
        if status.dataset != DATASET or not status.flagged:
            continue
        feed = app.extensions["civicapps_feeds"].plans[status.name].feed
        if not feed.enabled:
            continue
        success = status.state.last_success_at if status.state else None
        since = f"since {success:%-d %B %Y}" if success else "yet"
        found.append(
            f"We have not been able to read the planning list of {feed.authority or status.name} {since}: "
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
