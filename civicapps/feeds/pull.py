"""One pull of one feed: fetch, read, map, place, store in one transaction, record the outcome.

Whatever goes wrong (no answer, an HTML error page, a truncated file, every row bad, a bug in a
plugin's reader) the transaction is rolled back, so stored records stay exactly as they were, and the
error is recorded on the feed for ``civicapps feeds list`` and ``/-/feeds``. After a commit,
``on_records_ingested`` tells other plugins which records are new and which changed.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from civicapps.clock import utcnow
from civicapps.db import get_database
from civicapps.errors import CivicappsError
from civicapps.events import RecordsIngested, announce_records_ingested
from civicapps.feeds.errors import FeedError, RowIssue
from civicapps.feeds.fetch import Fetcher
from civicapps.feeds.ingest import Ingest
from civicapps.feeds.models import FeedState
from civicapps.feeds.pipeline import Tally, canonical_rows
from civicapps.feeds.readers import NotModified, RawRecord, Source
from civicapps.feeds.registry import Feed, FeedPlan, feeds_registry, plan_feed
from civicapps.geo.geocoding import postcode_service

Outcome = Literal["ingested", "not_modified", "failed"]


@dataclass
class PullResult:
    """What one pull did (returned by :func:`pull_feed` and :func:`civicapps.feeds.pull_due_feeds`).

    Public (``civicapps.PullResult``) so a plugin's command can report a pull in its own terms.
    ``outcome`` is ``"ingested"``, ``"not_modified"`` (the source had not changed: nothing read) or
    ``"failed"`` (``error`` says why; stored records were left untouched). The counts are records
    ``read`` from the source, ``ingested`` (kept: ``new`` + ``changed`` + ``unchanged`` + ``repeated``),
    ``skipped``, and ``warnings`` (kept with a doubt, e.g. not placed on the map). ``issues`` holds the first
    rows skipped or warned about (each with ``feed``, ``position``, ``field``, ``reason`` and
    ``severity``, ``"skipped"`` or ``"warning"``; ``str(issue)`` is a line for staff), and
    ``reasons`` counts every such row by ``"<severity> - <reason>"``.
    """

    feed: str
    outcome: Outcome
    read: int = 0
    ingested: int = 0
    skipped: int = 0
    warnings: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    repeated: int = 0
    requests: int = 0
    seconds: float = 0.0
    error: str | None = None
    issues: list[RowIssue] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for staff: the outcome and the counts (what ``civicapps feeds pull`` prints)."""
        if self.outcome == "failed":
            return f"{self.feed}: FAILED - {self.error}"
        if self.outcome == "not_modified":
            plural = "s" if self.requests != 1 else ""
            return f"{self.feed}: not modified since the last pull ({self.requests} request{plural})"
        repeated = f", {self.repeated} listed again" if self.repeated else ""
        return (
            f"{self.feed}: read {self.read}, ingested {self.ingested} ({self.new} new, {self.changed} changed, "
            f"{self.unchanged} unchanged{repeated}), skipped {self.skipped}, warnings {self.warnings} "
            f"in {self.seconds:.1f} s"
        )


def fetcher_for(app: Flask) -> Fetcher:
    return Fetcher(app.extensions["civicapps"].plugin_settings["feeds"].fetch_settings(app))


def config_digest(plan: FeedPlan) -> str:
    """Changes when anything that shapes the stored rows changes, so an edited mapping re-reads the feed."""
    feed = plan.feed
    shape = [feed.url, feed.format, feed.dataset, feed.mapping, feed.location, feed.options, feed.authority]
    return hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()


def pull_feed(
    app: Flask, feed: str | Feed, *, force: bool = False, progress: Callable[[int], None] | None = None
) -> PullResult:
    """Pull a feed now, outside its schedule, and return what the pull did.

    A source that cannot be read is not an exception: it is a ``"failed"`` result, recorded on the
    feed for staff. An unknown name, or a :class:`Feed` that does not check, raises CivicappsError.

    ``feed`` is the name of a configured feed, or a :class:`Feed` the app was not configured with (a
    plugin's demo sample, say): that one is checked like a configured feed and joins the app's
    feeds for the life of the process, so its health shows beside the others. ``force`` ignores
    ETag/Last-Modified and the unchanged-bytes shortcut. ``progress`` is called with each number of
    records read (a command's progress bar).
    """
    plan = _plan(app, feed)
    name = plan.feed.name
    assert plan.dataset is not None, "configured feeds always have a dataset"
    started, now = time.monotonic(), utcnow()
    db = get_database(app)
    with db.sessionmaker() as session:
        state = session.get(FeedState, name) or FeedState(name=name)
        digest = config_digest(plan)
        same_config = state.config_digest == digest and not force
        source = Source(
            plan.feed.url,
            plan.feed.options,
            fetcher_for(app),
            etag=state.etag if same_config else None,
            last_modified=state.last_modified if same_config else None,
            last_digest=state.body_digest if same_config else None,
            single_document=plan.reader.single_document,
        )
    tally = Tally(name)
    result = PullResult(name, "ingested")
    ingest = None
    with db.sessionmaker() as session, postcode_service(app).deferred_writes():
        try:
            ingest = Ingest(session, plan.dataset, name, now)
            records = plan.reader.read(source)
            if progress is not None:
                records = _counting(records, progress)
            for rows in canonical_rows(app, plan, records, tally):
                ingest.write(rows)
            ingest.finish()
            if tally.read and not tally.kept:
                first = tally.issues[0] if tally.issues else "no rows"
                raise FeedError(f"every one of the {tally.read} rows was skipped (first: {first})")
            session.commit()
        except NotModified:
            session.rollback()
            result.outcome = "not_modified"
        except FeedError as exc:
            session.rollback()
            result.outcome, result.error = "failed", str(exc)
        except SQLAlchemyError as exc:
            session.rollback()
            result.outcome, result.error = "failed", f"database error: {str(exc).splitlines()[0]}"
        except Exception as exc:  # a plugin reader's bug must not take the scheduler down
            session.rollback()
            app.logger.exception("Feed %r failed unexpectedly", name)
            result.outcome, result.error = "failed", f"internal error ({type(exc).__name__}: {exc}); see the log"
    if result.outcome != "not_modified":
        result.read, result.skipped, result.warnings = tally.read, tally.skipped, tally.warnings
        result.issues, result.reasons = tally.issues, dict(tally.reasons)
    if result.outcome == "ingested" and ingest is not None:
        result.ingested = tally.kept
        result.new, result.changed = len(ingest.new), len(ingest.changed)
        result.unchanged, result.repeated = ingest.unchanged, ingest.repeated
    result.requests, result.seconds = source.requests, time.monotonic() - started
    _record(app, plan, result, source, digest, now)
    if ingest is not None and result.outcome == "ingested" and (ingest.new or ingest.changed):
        event = RecordsIngested(ingest.dataset.full_name, name, tuple(ingest.new), tuple(ingest.changed))
        announce_records_ingested(app, event)
    return result


def _plan(app: Flask, feed: str | Feed) -> FeedPlan:
    registry = feeds_registry(app)
    if isinstance(feed, str):
        if feed not in registry.plans:
            raise CivicappsError(f"No feed named {feed!r}; feeds: {', '.join(registry.plans) or 'none'}.")
        return registry.plans[feed]
    known = registry.plans.get(feed.name)
    if known is None:
        try:
            known = registry.plans[feed.name] = plan_feed(feed, registry)
        except CivicappsError as exc:
            raise CivicappsError(f"Feed '{feed.name}': {exc}") from None
    elif known.feed != feed:
        raise CivicappsError(f"Another feed is already named {feed.name!r}; give this one a name of its own.")
    return known


def _counting(records: Iterable[RawRecord], progress: Callable[[int], None]) -> Iterator[RawRecord]:
    for record in records:
        yield record
        progress(1)


def _record(app: Flask, plan: FeedPlan, result: PullResult, source: Source, digest: str, now: datetime) -> None:
    with get_database(app).write_sessionmaker() as session:
        state = session.get(FeedState, plan.feed.name) or FeedState(name=plan.feed.name)
        session.add(state)
        state.last_attempt_at = now
        state.claimed_until = None
        if result.outcome == "failed":
            state.last_error, state.last_error_at = result.error, now
            state.failing_since = state.failing_since or now
            state.issues = [issue.as_dict() for issue in result.issues] or state.issues
        else:
            state.last_success_at, state.failing_since = now, None
        if result.outcome == "ingested":
            state.etag, state.last_modified, state.body_digest = source.etag, source.last_modified, source.digest
            state.config_digest = digest
            state.rows_read, state.rows_ingested, state.rows_skipped = result.read, result.ingested, result.skipped
            state.rows_warned, state.rows_new, state.rows_changed = result.warnings, result.new, result.changed
            state.issues = [issue.as_dict() for issue in result.issues]
            if result.new or result.changed:
                state.last_changed_at = now
        session.commit()
