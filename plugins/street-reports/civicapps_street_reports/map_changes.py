"""Knowing when the public map changed: one version row, bumped in the transaction that changes it.

Every web process caches its map answers (:mod:`.map_features`); a change made by any process (a
resident's report confirmed, staff changing a state or hiding a report, an Open311 update, the abuse
list) must reach all of them on their next request. The counter is bumped by SQLAlchemy session
events rather than by each place that changes a report, so a new code path cannot forget it: a flush
that adds, deletes or changes a shown column of a :class:`Report`, and any bulk ``insert()``,
``update()`` or ``delete()`` of reports, bumps it in the same transaction (a rollback undoes the bump too).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from civicapps import utcnow
from civicapps_street_reports.models import MapVersion, Report

#: the columns the map or the list beside it shows or filters on
SHOWN = ("title", "category", "status", "lat", "lon", "hidden", "private", "created_at")

_TABLE = MapVersion.__table__
_READ = "SELECT version, changed_at FROM street_reports_map_version WHERE id = 1"


def current(session: Session) -> tuple[int, datetime | None]:
    """The map's version and when it last changed (``(0, None)`` before any change)."""
    row = session.execute(select(MapVersion.version, MapVersion.changed_at).where(MapVersion.id == 1)).first()
    return (row[0], row[1]) if row else (0, None)


def token(session: Session) -> tuple[Any, ...]:
    """The version row as the driver gives it, for a cache key: read on every map request, so it
    skips the ORM (about a third of a cached answer's time went to building one row)."""
    return tuple(session.connection().exec_driver_sql(_READ).first() or ())


def bump(session: Session) -> None:
    """Count one change to the map, inside the session's transaction."""
    connection = session.connection()
    now = utcnow()
    changed = connection.execute(
        update(_TABLE).where(_TABLE.c.id == 1).values(version=_TABLE.c.version + 1, changed_at=now)
    ).rowcount
    if not changed:  # a database made without the migration's first row
        connection.execute(insert(_TABLE).values(id=1, version=1, changed_at=now))


def _changes_map(obj: Any) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in SHOWN)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if any(isinstance(obj, Report) for obj in (*session.new, *session.deleted)) or any(
        isinstance(obj, Report) and _changes_map(obj) for obj in session.dirty
    ):
        bump(session)


def _do_orm_execute(state: ORMExecuteState) -> None:
    writes = state.is_insert or state.is_update or state.is_delete
    if writes and state.bind_mapper is not None and state.bind_mapper.class_ is Report:
        bump(state.session)


def watch() -> None:
    """Listen for map changes on every session (idempotent; called when the plugin's blueprint is
    registered, never at import)."""
    for name, listener in (("before_flush", _before_flush), ("do_orm_execute", _do_orm_execute)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
