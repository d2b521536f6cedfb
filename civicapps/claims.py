"""Claiming due work in the database, once, however many workers ask at the same time.

Every queue kept in a table (the notify outbox, match requests, feeds to pull, the scheduler's lease,
a plugin's send queue) needs the same step: pick due rows that nobody holds, or whose holder's lease
has lapsed, and mark them as held by this worker, without two workers taking the same row. Done as a
SELECT and then an UPDATE, two workers pick the same rows and one of them loses a race it must then
detect; :func:`claim_due` does it once, for every queue, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, select, update
from sqlalchemy.orm import Session


def claim_due(
    session: Session | Connection,
    model: type[Any] | Table,
    due: ColumnElement[bool] | Sequence[ColumnElement[bool]],
    values: Mapping[str, Any],
    *,
    order_by: Sequence[Any] = (),
    limit: int | None = None,
) -> list[Any]:
    """Mark rows of ``model`` that are ``due`` as claimed by setting ``values`` on them; returns the
    primary keys of the rows claimed (in no particular order), empty if there were none.

    ``due`` says which rows may be taken, and must include "not held, or the hold has lapsed" (a
    claim column that is NULL, or a claim time or expiry older than the lease); ``values`` is the
    claim itself (a claim token, a claim time, an expiry). At most ``limit`` rows are claimed, first
    by ``order_by``. The caller commits.

    On SQLite it is one ``UPDATE ... WHERE id IN (SELECT ... LIMIT n) AND due RETURNING id``, run
    under the database's one write lock; begin the unit of work with ``db_session(write=True)`` so a
    transaction that has already read can still write. On PostgreSQL the rows are first picked with
    ``SELECT ... FOR UPDATE SKIP LOCKED``, so concurrent claimers take different rows instead of
    queueing behind each other, then updated where ``due`` still holds::

        from datetime import timedelta
        from sqlalchemy import or_
        from civicapps import claim_due, db_session, utcnow

        now = utcnow()
        free = or_(Reminder.claimed_at.is_(None), Reminder.claimed_at < now - timedelta(minutes=10))
        session = db_session(write=True)
        taken = claim_due(
            session,
            Reminder,
            (Reminder.send_at <= now, free),
            {"claimed_at": now},
            order_by=(Reminder.send_at,),
            limit=10,
        )
        session.commit()
        for reminder in session.scalars(select(Reminder).where(Reminder.id.in_(taken))):
            ...
    """
    table: Table = model if isinstance(model, Table) else model.__table__
    keys = list(table.primary_key.columns)
    if len(keys) != 1:
        raise TypeError(f"claim_due needs a table with a one-column primary key; {table.name} has {len(keys)}")
    key = keys[0]
    conditions = [due] if isinstance(due, ColumnElement) else list(due)
    candidates = select(key).where(*conditions).order_by(*order_by)
    if limit is not None:
        candidates = candidates.limit(limit)
    dialect = session.dialect if isinstance(session, Connection) else session.get_bind().dialect
    if dialect.name == "postgresql":
        # Locked first, in a statement of its own: inside the UPDATE, PostgreSQL may run the subquery
        # again for each row, and a rerun skips the rows this statement has just updated and takes
        # the next ones, past the limit. The locks last until the caller commits.
        chosen: Any = list(session.execute(candidates.with_for_update(skip_locked=True)).scalars())
        if not chosen:
            return []
    else:
        chosen = candidates.scalar_subquery()  # SQLite runs it once, under the statement's write lock
    claimed = session.execute(update(table).where(key.in_(chosen), *conditions).values(dict(values)).returning(key))
    return list(claimed.scalars())
