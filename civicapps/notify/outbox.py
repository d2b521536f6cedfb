"""The outbox ledger: one row per (subscription, item, kind); pending -> sending -> sent | failed.

Matching inserts rows under a unique key, so matching twice never sends twice. A worker claims due
rows (``sending`` with a claim token and time), sends, and records each message's result at once, so
a worker killed mid-batch has sent at most its one in-flight message without recording it. Rows
left in ``sending`` by a dead worker are put back by :func:`sweep` once their lease has run out.
"""
from __future__ import annotations

import json
import logging
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import Engine, bindparam, func, select, update
from sqlalchemy.orm import Session

from civicapps.app_switches import held_messages
from civicapps.claims import claim_due
from civicapps.clock import utcnow
from civicapps.db import insert_ignoring_conflicts
from civicapps.jobs import queue_for
from civicapps.jobs.lease import Heartbeat
from civicapps.jobs.queue import QueueUnavailable
from civicapps.notify.models import (
    CANCELLED,
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    ItemSnapshot,
    OutboxRow,
    Subscription,
)
from civicapps.notify.reasons import Reason
from civicapps.notify.settings import WEEKDAYS, NotifySettings, notify_settings

logger = logging.getLogger("civicapps.notify")

#: At most this many wake-up messages per call of :func:`wake`: enough to keep every worker busy.
MAX_WAKEUPS = 32
#: Bulk updates use the table directly: no outbox objects are ever loaded, and the ORM's bookkeeping for
#: them (synchronising loaded objects) costs more than the statements themselves.
OUTBOX = OutboxRow.__table__


@dataclass(frozen=True)
class Claimed:
    """A claimed outbox row, as a worker needs it."""

    id: int
    subscription_id: int
    kind: str
    attempts: int
    payload: dict[str, Any]


def send_time(frequency: str, settings: NotifySettings, now: datetime) -> datetime:
    """When a row for a subscription of ``frequency`` is due: now, or the next digest time."""
    if frequency == "instant":
        return now
    zone = ZoneInfo(settings.timezone)
    local = now.astimezone(zone)
    due = local.replace(hour=settings.digest_hour, minute=0, second=0, microsecond=0)
    if frequency == "weekly":
        due += timedelta(days=(WEEKDAYS.index(settings.weekly_digest_day) - due.weekday()) % 7)
    while due <= local:
        due += timedelta(days=7 if frequency == "weekly" else 1)
    return due.astimezone(now.tzinfo)


def add_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert outbox rows, skipping any that already exist (the unique key makes matching idempotent)."""
    if rows:
        session.execute(insert_ignoring_conflicts(session.get_bind().dialect.name, OutboxRow), rows)


def row(subscription_id: int, item_key: str, kind: str, due: datetime, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "subscription_id": subscription_id,
        "item_key": item_key,
        "kind": kind,
        "status": QUEUED,
        "attempts": 0,
        "next_attempt_at": due,
        "payload": json.dumps(payload),
    }


def wake(app: Flask, messages: int) -> None:
    """Queue enough deliver jobs for ``messages`` due messages (each job keeps going while rows are due)."""
    if messages <= 0:
        return
    jobs = min(MAX_WAKEUPS, math.ceil(messages / notify_settings(app).batch_size))
    queue = queue_for(app)
    try:
        for _ in range(jobs):
            queue.enqueue("notify.deliver")
    except QueueUnavailable as exc:
        # Callers wake after committing: the messages are safe in the outbox, and the request that
        # stored them must not report a failure. The every-minute sweep wakes a worker for them.
        logger.warning("%s; %d message(s) wait in the outbox for the periodic sweep", exc, messages)


def due_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.status == QUEUED, OutboxRow.next_attempt_at <= utcnow())
        )
        or 0
    )


def claim(session: Session, limit: int) -> tuple[str, list[Claimed]]:
    """Mark up to ``limit`` due rows (plus the rest of any digest they belong to) as ours; commits."""
    token = uuid.uuid4().hex
    now = utcnow()
    due = (OutboxRow.status == QUEUED, OutboxRow.next_attempt_at <= now)
    due += (held_messages(OutboxRow.subscription_id),)  # a switched-off app's messages wait (app_switches)
    mine = {"status": SENDING, "claim": token, "claimed_at": now}
    if not claim_due(session, OutboxRow, due, mine, order_by=(OutboxRow.next_attempt_at, OutboxRow.id), limit=limit):
        session.commit()
        return token, []
    # A digest goes out as one message: take the rest of its subscriptions' due rows too.
    digest_subscriptions = (
        select(OutboxRow.subscription_id)
        .join(Subscription, Subscription.id == OutboxRow.subscription_id)
        .where(OutboxRow.claim == token, Subscription.frequency != "instant")
    )
    session.execute(
        update(OUTBOX)
        .where(*due, OUTBOX.c.subscription_id.in_(digest_subscriptions.scalar_subquery()))
        .values(mine)
    )
    rows = session.execute(
        select(
            OutboxRow.id,
            OutboxRow.subscription_id,
            OutboxRow.kind,
            OutboxRow.attempts,
            OutboxRow.payload,
            OutboxRow.item_id,
            OutboxRow.distance_m,
            ItemSnapshot.payload.label("item_payload"),
        )
        .outerjoin(ItemSnapshot, ItemSnapshot.id == OutboxRow.item_id)
        .where(OutboxRow.claim == token)
        .order_by(OutboxRow.id)
    ).all()
    session.commit()
    items: dict[int, dict[str, Any]] = {}  # each item's snapshot decoded once per claim
    claimed = []
    for r in rows:
        if r.item_id is None or r.item_payload is None:
            payload = json.loads(r.payload)
        else:
            payload = items.get(r.item_id) or items.setdefault(r.item_id, json.loads(r.item_payload))
            if r.distance_m is not None:
                payload = {**payload, "item": {**payload["item"], "distance_m": r.distance_m}}
        claimed.append(Claimed(r.id, r.subscription_id, r.kind, r.attempts, payload))
    return token, claimed


def claims_heartbeat(app: Flask) -> Heartbeat:
    """The process's heartbeat for notify's claims: it beats three times per ``sending_timeout_seconds``."""
    beat = app.extensions.get("civicapps_notify_heartbeat")
    if beat is None:
        interval = notify_settings(app).sending_timeout_seconds / 3
        beat = Heartbeat(interval, "civicapps-notify-heartbeat")
        beat = app.extensions.setdefault("civicapps_notify_heartbeat", beat)
    return beat


def renew(engine: Engine, token: str) -> None:
    """Tell the sweeper this claim's worker is alive (the claims heartbeat does, in a transaction of its own)."""
    with engine.begin() as connection:
        connection.execute(
            update(OUTBOX).where(OUTBOX.c.claim == token, OUTBOX.c.status == SENDING).values(claimed_at=utcnow())
        )


def _recording(**values: Any) -> Any:
    """An UPDATE of one claimed row of a message, recording its outcome."""
    mine = (OUTBOX.c.claim == bindparam("b_claim"), OUTBOX.c.id == bindparam("b_id"))
    return update(OUTBOX).where(*mine).values(attempts=OUTBOX.c.attempts + 1, claim=None, **values)


_SENT = _recording(status=SENT, sent_at=bindparam("b_now"))
_WHY: dict[str, Any] = {"last_error": bindparam("b_error"), "last_reason": bindparam("b_reason")}
_RETRY = _recording(status=QUEUED, next_attempt_at=bindparam("b_next"), **_WHY)
_FAILED = _recording(status=FAILED, **_WHY)


@dataclass(frozen=True)
class _Compiled:
    """A statement compiled once for a dialect, run on a DBAPI cursor with its bind values converted
    exactly as SQLAlchemy would convert them (e.g. datetimes to SQLite's text format)."""

    sql: str
    compiled: Any
    order: tuple[str, ...] | None  # positional parameter names (SQLite's "?"), None for named ones
    processors: dict[str, Any]

    @classmethod
    def of(cls, statement: Any, dialect: Any) -> _Compiled:
        compiled = statement.compile(dialect=dialect)
        processors = {name: bind.type.bind_processor(dialect) for name, bind in compiled.binds.items()}
        order = tuple(compiled.positiontup) if compiled.positional else None
        return cls(compiled.string, compiled, order, {k: v for k, v in processors.items() if v is not None})

    def parameters(self, values: dict[str, Any]) -> Any:
        bound = self.compiled.construct_params(values)
        for name, process in self.processors.items():
            bound[name] = process(bound[name])
        return bound if self.order is None else tuple(bound[name] for name in self.order)


_COMPILED: dict[str, dict[str, _Compiled]] = {}  # per dialect name


class Recorder:
    """Records each message's outcome (sent, back to pending with a backed-off time, or failed) in a
    transaction of its own, the moment apprise returns.

    It runs once per message sent, so it skips the ORM session and SQLAlchemy's per-statement work:
    the same UPDATEs, compiled once, go straight to a DBAPI connection of the engine's pool. On SQLite
    that cut recording from 0.6-1.1 ms to 0.11-0.15 ms a message on this (busy) machine, and it
    holds the write lock for a shorter time, which matters when several workers share the file.
    Several results are never committed together: a worker killed between the sends would then
    repeat more than the one message in flight.
    """

    def __init__(self, engine: Engine, settings: NotifySettings):
        dialect = engine.dialect
        if dialect.name not in _COMPILED:
            _COMPILED[dialect.name] = {
                name: _Compiled.of(statement, dialect)
                for name, statement in (("sent", _SENT), ("retry", _RETRY), ("failed", _FAILED))
            }
        self.statements = _COMPILED[dialect.name]
        self.begin = dialect.name == "sqlite"  # civicapps runs SQLite connections in autocommit mode
        self.settings = settings
        self.engine = engine
        self.connection = engine.raw_connection()

    def finish(self, token: str, rows: list[Claimed], error: Reason | None) -> int:
        """Record one message's outcome for its rows; returns 1 if it was sent, else 0. Commits.

        A reason is recorded in English and by code (see :mod:`civicapps.notify.reasons`).
        """
        attempts = max(r.attempts for r in rows)  # how often the message was tried before this time
        now = utcnow()
        values: dict[str, Any] = {"b_claim": token, "b_now": now}
        if error is None:
            statement = self.statements["sent"]
        else:
            values.update(b_error=str(error)[:500], b_reason=error.stored())
            if attempts + 1 >= self.settings.max_attempts:
                statement = self.statements["failed"]
            else:
                statement = self.statements["retry"]
                values["b_next"] = now + timedelta(seconds=self.settings.retry_after_seconds * 2**attempts)
        used = {name: value for name, value in values.items() if name in statement.compiled.binds}
        parameters = [statement.parameters({**used, "b_id": r.id}) for r in rows]
        dbapi = self.engine.dialect.loaded_dbapi
        try:
            self._record(statement.sql, parameters)
        except (dbapi.OperationalError, dbapi.InterfaceError) as exc:
            # The connection died under us (a PostgreSQL restart): the message went out, so record it
            # on a fresh connection rather than leave it to be taken over and sent again. Running the
            # UPDATE twice is harmless: it only touches rows still claimed with this token.
            logger.warning("Recording a send failed (%s); retrying on a new connection", type(exc).__name__)
            self.connection.invalidate()
            self.connection.close()
            self.connection = self.engine.raw_connection()
            self._record(statement.sql, parameters)
        return int(error is None)

    def _record(self, sql: str, parameters: list[Any]) -> None:
        cursor = self.connection.cursor()
        try:
            if self.begin:
                cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(sql, parameters)
            self.connection.commit()
        except BaseException:
            try:
                self.connection.rollback()
            except Exception:  # a dead connection cannot roll back; the server already did
                pass
            raise
        finally:
            cursor.close()

    def close(self) -> None:
        self.connection.close()


def cancel(session: Session, token: str, ids: Iterable[int]) -> None:
    """Rows whose subscription ended (or was confirmed, for confirmation messages) before sending."""
    session.execute(
        update(OUTBOX).where(OUTBOX.c.id.in_(list(ids)), OUTBOX.c.claim == token).values(status=CANCELLED, claim=None)
    )
    session.commit()


def sweep(session: Session, settings: NotifySettings) -> int:
    """Put rows whose worker died (claim not renewed for the lease) back in the queue; commits."""
    expired = utcnow() - timedelta(seconds=settings.sending_timeout_seconds)
    result = session.execute(
        update(OUTBOX)
        .where(OUTBOX.c.status == SENDING, OUTBOX.c.claimed_at < expired)
        .values(status=QUEUED, claim=None, claimed_at=None)
    )
    session.commit()
    return result.rowcount


def retry(session: Session, ids: Iterable[int] | None = None) -> int:
    """Staff's retry: failed rows (all, or these) get a fresh set of attempts now; commits."""
    query = update(OUTBOX).where(OUTBOX.c.status == FAILED)
    if ids is not None:
        query = query.where(OUTBOX.c.id.in_(list(ids)))
    result = session.execute(query.values(status=QUEUED, attempts=0, next_attempt_at=utcnow()))
    session.commit()
    return result.rowcount
