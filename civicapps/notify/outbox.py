"""The outbox ledger: one row per (subscription, item, kind); pending -> sending -> sent | failed.

Matching inserts rows under a unique key, so matching twice never sends twice. A worker claims due
rows (``sending`` with a claim token and time), sends, and records each message's result at once, so
a worker killed mid-batch has sent at most its one in-flight message without recording it. Rows
left in ``sending`` by a dead worker are put back by :func:`sweep` once their lease has run out.
"""
from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from civicapps.db import insert_ignoring_conflicts
from civicapps.jobs import queue_for
from civicapps.notify.models import (
    CANCELLED,
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    OutboxRow,
    Subscription,
    utcnow,
)
from civicapps.notify.settings import WEEKDAYS, NotifySettings, notify_settings

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
    for _ in range(jobs):
        queue.enqueue("notify.deliver")


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
    ids = select(OutboxRow.id).where(*due).order_by(OutboxRow.next_attempt_at, OutboxRow.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    taken = session.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id.in_(ids.scalar_subquery()), OUTBOX.c.status == QUEUED)
        .values(status=SENDING, claim=token, claimed_at=now)
    )
    if not taken.rowcount:
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
        .values(status=SENDING, claim=token, claimed_at=now)
    )
    rows = session.execute(
        select(OutboxRow.id, OutboxRow.subscription_id, OutboxRow.kind, OutboxRow.attempts, OutboxRow.payload)
        .where(OutboxRow.claim == token)
        .order_by(OutboxRow.id)
    ).all()
    session.commit()
    return token, [Claimed(r.id, r.subscription_id, r.kind, r.attempts, json.loads(r.payload)) for r in rows]


def renew(session: Session, token: str) -> None:
    """Tell the sweeper this claim's worker is alive (call well within ``sending_timeout_seconds``); commits."""
    session.execute(
        update(OUTBOX).where(OUTBOX.c.claim == token, OUTBOX.c.status == SENDING).values(claimed_at=utcnow())
    )
    session.commit()


def _recording(**values: Any) -> Any:
    """An UPDATE of one claimed message's rows, built once: building it per message cost more than running it."""
    mine = (OUTBOX.c.claim == bindparam("b_claim"), OUTBOX.c.id.in_(bindparam("b_ids", expanding=True)))
    return update(OUTBOX).where(*mine).values(attempts=OUTBOX.c.attempts + 1, claim=None, **values)


_SENT = _recording(status=SENT, sent_at=bindparam("b_now"))
_RETRY = _recording(status=QUEUED, last_error=bindparam("b_error"), next_attempt_at=bindparam("b_next"))
_FAILED = _recording(status=FAILED, last_error=bindparam("b_error"))


def finish(
    session: Session, token: str, ids: Iterable[int], error: str | None, settings: NotifySettings, attempts: int
) -> None:
    """Record one message's result: sent, or back to pending with a backed-off time, or failed. Commits.

    ``attempts`` is how often the message was tried before this time (the most among its rows).
    """
    now = utcnow()
    params: dict[str, Any] = {"b_claim": token, "b_ids": list(ids), "b_now": now, "b_error": (error or "")[:500]}
    if error is None:
        statement = _SENT
    elif attempts + 1 >= settings.max_attempts:
        statement = _FAILED
    else:
        statement = _RETRY
        params["b_next"] = now + timedelta(seconds=settings.retry_after_seconds * 2**attempts)
    session.execute(statement, params)
    session.commit()


def cancel(session: Session, token: str, ids: Iterable[int]) -> None:
    """Rows whose subscription ended (or was confirmed, for confirmation messages) before sending."""
    session.execute(
        update(OUTBOX).where(OUTBOX.c.id.in_(list(ids)), OUTBOX.c.claim == token).values(status=CANCELLED, claim=None)
    )
    session.commit()


def sweep(session: Session, settings: NotifySettings) -> int:
    """Put rows whose worker died (claimed longer ago than the lease) back in the queue; commits."""
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
