"""The send queue: each confirmed report reaches every body it concerns, however long that takes.

The database is the queue (one :class:`Delivery` row per report and body); the job queue only wakes
workers. A worker claims due rows one at a time, sends, and records the outcome at once. A failure
is retried 5 minutes later, then every 30 minutes, with no limit (FixMyStreet's schedule), and staff
get a daily summary of what is still failing. A worker that dies mid-send leaves a claim that
expires after ``CLAIM_MINUTES``, so the row is picked up again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TypeVar

from flask import Flask
from sqlalchemy import or_, select

from civicapps import CivicappsError, claim_due, db_session, enqueue_job, utcnow
from civicapps_street_reports import messages, open311_client
from civicapps_street_reports.models import Delivery, UpdateDelivery
from civicapps_street_reports.send_methods import method_for
from civicapps_street_reports.settings import NAME, current_settings

logger = logging.getLogger("civicapps.street_reports")
FIRST_RETRY = timedelta(minutes=5)
LATER_RETRY = timedelta(minutes=30)
CLAIM_MINUTES = 10
SEND_JOB = f"{NAME}.send"


def retry_after(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 5 minutes after the first, then 30."""
    return FIRST_RETRY if attempts <= 1 else LATER_RETRY


def wake() -> None:
    """Ask a worker to send what is due (after the caller has committed)."""
    try:
        enqueue_job(SEND_JOB)
    except Exception:  # the every-minute run will find the rows
        logger.exception("Could not queue sending; the periodic run will send the reports")


Queued = TypeVar("Queued", Delivery, UpdateDelivery)


def _claim(model: type[Queued], now: datetime) -> Queued | None:
    """Take one due row of a send queue for this worker (another worker's stale claim counts as none)."""
    stale = now - timedelta(minutes=CLAIM_MINUTES)
    due = (
        model.state == "pending",
        model.next_attempt_at <= now,
        or_(model.claimed_at.is_(None), model.claimed_at < stale),
    )
    session = db_session(write=True)
    taken = claim_due(session, model, due, {"claimed_at": now}, order_by=(model.next_attempt_at,), limit=1)
    session.commit()
    return session.get(model, taken[0]) if taken else None


def send_due(app: Flask) -> int:
    """The ``street_reports.send`` job: send every due report, then every due update; returns how
    many were sent."""
    sent = 0
    while (delivery := _claim(Delivery, utcnow())) is not None:
        sent += send_one(delivery)
    while (forward := _claim(UpdateDelivery, utcnow())) is not None:
        sent += send_update(forward)
    return sent


def _failed(row: Queued, error: str, now: datetime) -> None:
    """Record a failed try and when to try again (5 minutes after the first, then every 30)."""
    row.attempts += 1
    row.last_attempt_at = now
    row.last_error = error[:2000]
    row.next_attempt_at = now + retry_after(row.attempts)
    row.claimed_at = None


def send_one(delivery: Delivery) -> bool:
    """Try one delivery and record the outcome; True if it reached the body."""
    session = db_session()
    report = delivery.report
    now = utcnow()
    if report.hidden or report.status == "unconfirmed":
        delivery.state, delivery.claimed_at = "skipped", None
        session.commit()
        return False
    try:
        sent = method_for(delivery).send(delivery)
    except (open311_client.Open311Error, CivicappsError) as exc:
        session.rollback()
        delivery = session.get(Delivery, delivery.id)  # type: ignore[assignment]
        _failed(delivery, str(exc), now)
        session.commit()
        logger.warning(
            "Report %s not sent to body %s (try %s): %s",
            report.id,
            delivery.body_id,
            delivery.attempts,
            delivery.last_error,
        )
        return False
    delivery.state, delivery.sent_at, delivery.claimed_at, delivery.last_error = "sent", now, None, None
    delivery.external_id, delivery.external_token = sent.external_id, sent.external_token
    delivery.attempts += 1
    delivery.last_attempt_at = now
    session.commit()
    return True


def send_update(forward: UpdateDelivery) -> bool:
    """POST a resident's update to the back office that took the report; True if it was accepted."""
    session = db_session()
    now = utcnow()
    item, delivery = forward.update, forward.delivery
    if item.state != "confirmed":
        forward.state, forward.claimed_at = "skipped", None
        session.commit()
        return False
    try:
        if not delivery.external_id:
            raise open311_client.Open311Error("The back office has not given its id for the report yet.")
        params = open311_client.update_params(delivery.body, delivery.external_id, item, delivery.report.status)
        forward.external_id = open311_client.post_update(delivery.body, params)
    except open311_client.Open311Error as exc:
        session.rollback()
        forward = session.get(UpdateDelivery, forward.id)  # type: ignore[assignment]
        _failed(forward, str(exc), now)
        session.commit()
        logger.warning("Update %s not sent to body %s: %s", item.id, delivery.body_id, forward.last_error)
        return False
    forward.state, forward.sent_at, forward.claimed_at, forward.last_error = "sent", now, None, None
    forward.attempts += 1
    forward.last_attempt_at = now
    session.commit()
    return True


def resolve_tokens(app: Flask) -> int:
    """Ask batch back offices for the ids of requests they answered with a token; returns ids learnt."""
    session = db_session()
    waiting = session.scalars(
        select(Delivery).where(
            Delivery.state == "sent", Delivery.external_id.is_(None), Delivery.external_token.is_not(None)
        )
    ).all()
    learnt = 0
    for delivery in waiting:
        try:
            delivery.external_id = open311_client.request_id_for_token(delivery.body, delivery.external_token or "")
        except open311_client.Open311Error as exc:
            logger.warning("Token lookup for report %s failed: %s", delivery.report_id, exc)
            continue
        learnt += delivery.external_id is not None
        session.commit()
    return learnt


def failing() -> list[Delivery]:
    """Deliveries that have failed at least once and are still waiting, oldest report first."""
    query = select(Delivery).where(Delivery.state == "pending", Delivery.attempts > 0).order_by(Delivery.report_id)
    return list(db_session().scalars(query))


def failure_summary(app: Flask) -> bool:
    """The daily ``street_reports.failure_summary`` job: tell staff what has not been sent, if anything."""
    settings = current_settings()
    rows = failing()
    if not rows or not settings.staff_summary_channel or settings.staff_summary_target is None:
        return False
    lines = [
        f"#{d.report_id} to {d.body.name} ({d.method}): {d.attempts} tries, "
        f"last {d.last_attempt_at:%Y-%m-%d %H:%M} UTC: {d.last_error}"
        for d in rows
    ]
    queued = messages.failure_summary(
        settings.staff_summary_channel, settings.staff_summary_target.get_secret_value(), f"{utcnow():%Y-%m-%d}", lines
    )
    db_session().commit()
    return queued
