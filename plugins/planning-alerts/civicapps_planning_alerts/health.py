"""Telling residents when a council's feed is broken, so silence is never mistaken for "nothing new".

A feed failing for longer than its ``failing_after``, or a council with no new application for
``quiet_days``, is named on the search and alert pages (staff see the details on their dashboard).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from weakref import WeakKeyDictionary

from flask import Flask, current_app
from sqlalchemy import func, select

from civicapps import db_session, feed_health, gettext
from civicapps_planning_alerts.dates import uk_date
from civicapps_planning_alerts.models import DATASET, Application
from civicapps_planning_alerts.settings import current_settings

#: Pages ask on every view; the answer changes only with pulls, so it is kept this long per process.
CACHE_SECONDS = 60


@dataclass(frozen=True)
class Notice:
    """One council whose list may be missing applications: unreadable (``since`` its last good read, or
    never read) or quiet (nothing new ``since``). Kept as facts so each visitor reads it in their language."""

    council: str
    since: datetime | None
    unreadable: bool

    def __str__(self) -> str:
        if not self.unreadable:
            return gettext(
                "No new planning applications from %(council)s have reached us since %(date)s; "
                "its list may not be updating.",
                council=self.council,
                date=uk_date(self.since),
            )
        if self.since is None:
            return gettext(
                "We have not been able to read the planning list of %(council)s yet: new applications there may "
                "be missing, and alerts about them may be late.",
                council=self.council,
            )
        return gettext(
            "We have not been able to read the planning list of %(council)s since %(date)s: new applications "
            "there may be missing, and alerts about them may be late.",
            council=self.council,
            date=uk_date(self.since),
        )


#: The notices and when they were worked out, per app (an app that is gone takes its entry with it).
CACHE: WeakKeyDictionary[Flask, tuple[datetime, list[Notice]]] = WeakKeyDictionary()


def notices() -> list[str]:
    """Sentences for residents about councils whose applications may be missing right now (cached)."""
    # The app behind the proxy (Flask's documented way): the cache holds it weakly, and a proxy has no weakref.
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # flask types current_app as Flask
    now = datetime.now(UTC)
    cached = CACHE.get(app)
    if cached is None or now - cached[0] > timedelta(seconds=CACHE_SECONDS):
        cached = CACHE[app] = (now, _notices(app, now))
    return [str(notice) for notice in cached[1]]


def _notices(app: Flask, now: datetime) -> list[Notice]:
    found = []
    for health in feed_health(app, dataset=DATASET):
        if not health.stale or health.feed is None or not health.feed.enabled:
            continue
        found.append(Notice(health.feed.authority or health.name, health.last_success_at, unreadable=True))
    quiet = now - timedelta(days=current_settings().quiet_days)
    last_new = select(Application.authority, func.max(Application.first_seen_at)).group_by(Application.authority)
    for authority, last in db_session().execute(last_new):
        if last < quiet:
            found.append(Notice(authority, last, unreadable=False))
    return found
