"""Knowing when what the public reads changed: one counter row per cached view, bumped in the
transaction that changes it.

Every web process caches its map answers (:mod:`.map_features`) and its Open311 request lists
(:mod:`.open311_cache`); a change made by any process (a resident's report confirmed, staff changing
a state, adding an update or hiding a report, a back office's pushed update, the abuse list) must
reach all of them on their next request. Each :class:`Counter` is bumped by SQLAlchemy session
events rather than by each place that changes a row, so a new code path cannot forget it: a flush
that adds or deletes a row of a model the counter watches, or changes one of its watched columns,
and any bulk ``insert()``, ``update()`` or ``delete()`` of such a model through the session, bumps
it in the same transaction (a rollback undoes the bump too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from civicapps import utcnow
from civicapps_street_reports.models import Body, Category, ChangeCounter, Delivery, Photo, Report, Update


@dataclass(frozen=True)
class Counter:
    """A named change counter (a row of ``street_reports_change_counter``) and what moves it.

    ``watches`` maps each model whose rows the cached view shows to the columns it shows or filters
    on; ``None`` means every column. Adding or deleting a row of a watched model always counts.
    """

    name: str
    watches: Mapping[type[Any], tuple[str, ...] | None]
    _read: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # the name is a constant of this module, never input, so it is written into the SQL
        read = f"SELECT version, changed_at FROM {ChangeCounter.__tablename__} WHERE name = '{self.name}'"  # noqa: S608
        object.__setattr__(self, "_read", read)

    def current(self, session: Session) -> tuple[int, datetime | None]:
        """The version and when it last changed (``(0, None)`` before any change)."""
        query = select(ChangeCounter.version, ChangeCounter.changed_at).where(ChangeCounter.name == self.name)
        row = session.execute(query).first()
        return (row[0], row[1]) if row else (0, None)

    def token(self, session: Session) -> tuple[Any, ...]:
        """The counter's row as the driver gives it, for a cache key: read on every cached request,
        so it skips the ORM (about a third of a cached map answer's time went to building one row)."""
        return tuple(session.connection().exec_driver_sql(self._read).first() or ())

    def bump(self, session: Session) -> None:
        """Count one change, inside the session's transaction."""
        connection = session.connection()
        now = utcnow()
        changed = connection.execute(
            update(ChangeCounter)
            .where(ChangeCounter.name == self.name)
            .values(version=ChangeCounter.version + 1, changed_at=now)
        ).rowcount
        if not changed:  # a database made without the migrations' rows
            connection.execute(insert(ChangeCounter).values(name=self.name, version=1, changed_at=now))

    def changed_by(self, obj: Any) -> bool:
        """Whether a pending change to ``obj`` (an object the session holds as dirty) moves this counter."""
        columns = self.watches.get(type(obj), ())
        if columns is None:
            return True
        state = inspect(obj)
        return any(state.attrs[name].history.has_changes() for name in columns)


#: The public map and the list beside it: the report columns they show or filter on.
MAP = Counter("map", {Report: ("title", "category", "status", "lat", "lon", "hidden", "private", "created_at")})
#: Open311's request lists: the report's own fields, the bodies it went to (agency_responsible),
#: staff and body updates (status_notes), its first unredacted photo (media_url) and the category's
#: service code.
OPEN311 = Counter(
    "open311",
    {
        Report: (
            "status",
            "category",
            "details",
            "confirmed_at",
            "created_at",
            "updated_at",
            "location_text",
            "lat",
            "lon",
            "hidden",
            "private",
        ),
        Delivery: ("report_id", "body_id"),
        Body: ("name",),
        Update: None,
        Photo: ("report_id", "update_id", "position", "redacted"),
        Category: None,
    },
)
#: In a fixed order, so that two transactions bumping both take their row locks in the same order.
COUNTERS = (MAP, OPEN311)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    added = {type(obj) for obj in (*session.new, *session.deleted)}
    for counter in COUNTERS:
        if any(model in counter.watches for model in added) or any(
            type(obj) in counter.watches and counter.changed_by(obj) for obj in session.dirty
        ):
            counter.bump(session)


def _do_orm_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    for counter in COUNTERS:
        if state.bind_mapper.class_ in counter.watches:
            counter.bump(state.session)


def watch() -> None:
    """Listen for changes on every session (idempotent; called when the plugin's blueprint is
    registered, never at import)."""
    for name, listener in (("before_flush", _before_flush), ("do_orm_execute", _do_orm_execute)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
