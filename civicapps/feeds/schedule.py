"""When feeds are due, and how each one is doing.

The job queue (or cron, or ``civicapps feeds pull``) calls :func:`pull_due_feeds` every few minutes;
it pulls each enabled feed whose interval has passed since its last attempt. A short lease in
``feeds_feed_state.claimed_until`` makes two schedulers running at once pull each feed only once.
A feed that has failed for longer than its ``failing_after`` is flagged to staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from civicapps.app_switches import owner, paused_apps, paused_feeds
from civicapps.claims import claim_due
from civicapps.clock import utcnow
from civicapps.db import get_database
from civicapps.errors import CivicappsError
from civicapps.feeds.models import FeedState
from civicapps.feeds.pull import PullResult, pull_feed
from civicapps.feeds.registry import FeedPlan, feeds_registry

LEASE = timedelta(minutes=30)


@dataclass(frozen=True)
class FeedStatus:
    """A feed's health for staff: last success and error, last counts, staleness, failing flag."""

    name: str
    dataset: str
    format: str
    interval: timedelta | None
    state: FeedState | None
    stale_for: timedelta | None
    failing_for: timedelta | None
    failing_after: timedelta
    due: bool
    configured: bool = True

    @property
    def flagged(self) -> bool:
        """Failing for longer than its threshold: the feed needs a person."""
        return self.configured and self.failing_for is not None and self.failing_for >= self.failing_after


def statuses(app: Flask, now: datetime | None = None) -> list[FeedStatus]:
    """Every feed the app knows, with its state (feeds never pulled have ``state=None``).

    That is every configured feed, then every feed with stored state but no configuration now
    (``configured=False``): a feed taken out of civicapps.toml, or one a command defined for itself
    such as ``civicapps demo``'s sample, whose records are still stored. This one list is what the
    CLI and the staff page show, so the two never disagree.
    """
    now = now or utcnow()
    plans = feeds_registry(app).plans
    default_threshold = app.extensions["civicapps"].plugin_settings["feeds"].failing_after
    try:
        with get_database(app).sessionmaker() as session:
            states = {s.name: s for s in session.scalars(select(FeedState).order_by(FeedState.name))}
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise CivicappsError(f"Cannot read the feeds' state ({reason}); run 'civicapps db upgrade'.") from None
    result = []
    for name, plan in plans.items():
        state = states.get(name)
        success = state.last_success_at if state else None
        failing = state.failing_since if state else None
        result.append(
            FeedStatus(
                name,
                plan.feed.dataset,
                plan.feed.format,
                plan.feed.interval,
                state,
                now - success if success else None,
                now - failing if failing else None,
                plan.feed.failing_after or default_threshold,
                _due(plan, state, now),
            )
        )
    for name, state in states.items():
        if name not in plans and state.last_attempt_at is not None:
            success, failing = state.last_success_at, state.failing_since
            result.append(
                FeedStatus(
                    name,
                    "",
                    "",
                    None,
                    state,
                    now - success if success else None,
                    now - failing if failing else None,
                    default_threshold,
                    False,
                    configured=False,
                )
            )
    return result


def _due(plan: FeedPlan, state: FeedState | None, now: datetime) -> bool:
    if not plan.feed.enabled:
        return False
    last = state.last_attempt_at if state else None
    return last is None or last + plan.feed.interval <= now


def pull_due_feeds(app: Flask, now: datetime | None = None) -> list[PullResult]:
    """Pull every enabled feed that is due, except switched-off apps' feeds; never raises for a feed's
    failure (it is in the result)."""
    now = now or utcnow()
    results = []
    paused = paused_apps(app)  # a switched-off app's feeds wait until it is switched on
    held = paused_feeds(app)  # and so do a switched-off configured app's
    for status in statuses(app, now):
        off = owner(status.dataset) in paused or status.name in held
        if status.due and not off and _claim(app, status.name, now):
            results.append(pull_feed(app, status.name))
    return results


def _claim(app: Flask, name: str, now: datetime) -> bool:
    """Take the feed's lease; False if another scheduler holds it."""
    with get_database(app).write_sessionmaker() as session:
        if session.get(FeedState, name) is None:
            try:
                session.add(FeedState(name=name, claimed_until=now + LEASE))
                session.commit()
                return True
            except IntegrityError:
                session.rollback()
        free = or_(FeedState.claimed_until.is_(None), FeedState.claimed_until < now)
        claimed = claim_due(session, FeedState, (FeedState.name == name, free), {"claimed_until": now + LEASE})
        session.commit()
        return bool(claimed)
