"""Delivery figures for staff: shared by the staff page and ``civicapps notify status``."""
from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from civicapps.db import db_session
from civicapps.i18n import gettext
from civicapps.jobs import queue_for
from civicapps.notify.channels import KINDS
from civicapps.notify.models import FAILED, OutboxRow, Subscription
from civicapps.notify.reasons import shown
from civicapps.notify.topics import topics_of

STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


def delivery_counts() -> dict[str, dict[str, int]]:
    """Outbox rows per channel kind and status (every status present, zero when none)."""
    query = (
        select(Subscription.channel, OutboxRow.status, func.count())
        .join(Subscription, Subscription.id == OutboxRow.subscription_id)
        .group_by(Subscription.channel, OutboxRow.status)
    )
    counts: dict[str, dict[str, int]] = {}
    for channel, status, count in db_session().execute(query):
        counts.setdefault(channel, dict.fromkeys(STATUSES, 0))[status] = count
    return dict(sorted(counts.items()))


def subscription_counts() -> dict[str, dict[str, int]]:
    """Subscriptions per topic and status."""
    query = select(Subscription.topic, Subscription.status, func.count()).group_by(
        Subscription.topic, Subscription.status
    )
    counts: dict[str, dict[str, int]] = {}
    for topic, status, count in db_session().execute(query):
        counts.setdefault(topic, {})[status] = count
    return dict(sorted(counts.items()))


def failures(limit: int = 50) -> list[dict[str, Any]]:
    """The latest failed messages with their reasons (in the reader's language where they have a code); targets
    masked."""
    query = (
        select(OutboxRow, Subscription.channel, Subscription.target, Subscription.topic)
        .join(Subscription, Subscription.id == OutboxRow.subscription_id)
        .where(OutboxRow.status == FAILED)
        .order_by(OutboxRow.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": row.id,
            "topic": topic,
            "channel": channel,
            "recipient": KINDS[channel].mask(target),
            "kind": row.kind,
            "attempts": row.attempts,
            "reason": shown(row.last_error, row.last_reason),
            "created_at": row.created_at,
        }
        for row, channel, target, topic in db_session().execute(query)
    ]


def report(app: Flask) -> dict[str, Any]:
    """Everything staff need at a glance, JSON-ready apart from datetimes."""
    try:
        queued: int | str = queue_for(app).pending()
    except Exception as exc:  # the queue server may be down; the report still shows the database's view
        queued = gettext("unknown (%(error)s)", error=type(exc).__name__)
    return {
        "topics": list(topics_of(app)),
        "subscriptions": subscription_counts(),
        "deliveries": delivery_counts(),
        "queued_jobs": queued,
        "failures": failures(),
    }
