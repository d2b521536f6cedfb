"""The notify tables. The outbox is the ledger of truth: queue messages only wake workers up."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from civicapps.clock import UTCDateTime, utcnow
from civicapps.db import Model

# Subscription.status
PENDING, ACTIVE, ENDED = "pending", "active", "ended"
# OutboxRow.status; "cancelled" is for rows whose subscription ended before they were sent.
QUEUED, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
FREQUENCIES = ("instant", "daily", "weekly")
CONFIRM = "confirm"  # OutboxRow.kind of confirmation messages; alerts use the item event, "new"/"changed"


class Subscription(Model):
    """A resident's (or a staff team's) request for alerts on one topic, through one channel."""

    __tablename__ = "notify_subscription"
    __table_args__ = (
        Index("notify_subscription_topic_status", "topic", "status"),
        Index("notify_subscription_topic_changed", "topic", "changed"),
        # Matching reads a topic's filtered subscriptions each time; filters are the exception, so a
        # partial index finds them without visiting every subscription (0.6 s at a million).
        Index(
            "notify_subscription_filtered",
            "topic",
            "status",
            sqlite_where=text("filters IS NOT NULL"),
            postgresql_where=text("filters IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(Text)  # a secret: never logged, never shown unmasked
    target_hash: Mapped[str] = mapped_column(String(64), index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[float | None] = mapped_column(Float)
    polygon: Mapped[str | None] = mapped_column(Text)  # GeoJSON geometry, WGS84
    key: Mapped[str | None] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(String(200))  # the postcode or address the resident typed
    filters: Mapped[str | None] = mapped_column(Text)  # JSON object the topic interprets (Topic.accepts)
    frequency: Mapped[str] = mapped_column(String(10), default="instant")
    # The language the subscriber used when subscribing (a code such as "cy"): every message to them is
    # written in it. None for subscriptions older than the column, and direct messages' hidden ones:
    # the deployment's default_language.
    language: Mapped[str | None] = mapped_column(String(35))
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    confirm_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(100))
    changed: Mapped[int] = mapped_column(Integer, default=0)  # the topic version of its last change
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxRow(Model):
    """One message part: a (subscription, item, kind) that must be sent exactly once."""

    __tablename__ = "notify_outbox"
    __table_args__ = (
        UniqueConstraint("subscription_id", "item_key", "kind", name="notify_outbox_once"),
        Index("notify_outbox_due", "status", "next_attempt_at"),
        # Only claimed rows are looked up by claim: a partial index costs new rows no index entry.
        Index(
            "ix_notify_outbox_claim",
            "claim",
            sqlite_where=text("claim IS NOT NULL"),
            postgresql_where=text("claim IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique key (subscription_id, ...) serves lookups by subscription.
    subscription_id: Mapped[int] = mapped_column(ForeignKey("notify_subscription.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Why, as the JSON of a civicapps.notify.reasons.Reason: staff pages translate it (none before notify_0009).
    last_reason: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the message says: an alert's item is the ItemSnapshot ``item_id`` (stored once for all
    # its subscribers) and, for a circle, ``distance_m`` from its centre; other messages
    # (confirmations, direct messages) carry their own JSON ``payload``.
    payload: Mapped[str] = mapped_column(Text, default="{}")
    item_id: Mapped[int | None] = mapped_column(Integer)  # notify_item.id; kept while rows refer to it
    distance_m: Mapped[int | None] = mapped_column(Integer)


class ItemSnapshot(Model):
    """An item as its alerts show it, at one version: written once when it matches, however many
    subscriptions it matched (a dense town's application reaches tens of thousands), so a message can
    be sent later without the plugin's tables and each outbox row stays a few numbers."""

    __tablename__ = "notify_item"
    __table_args__ = (UniqueConstraint("topic", "item_key", "version", name="notify_item_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(120))
    item_key: Mapped[str] = mapped_column(String(200))  # the record's primary key, as text
    version: Mapped[str] = mapped_column(String(200))  # Item.version, "" for none
    payload: Mapped[str] = mapped_column(Text)  # JSON: {"topic", "topic_title", "item": Item.snapshot()}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TopicState(Model):
    """A counter bumped whenever a topic's active subscriptions change; workers' spatial indexes follow it."""

    __tablename__ = "notify_topic_state"

    topic: Mapped[str] = mapped_column(String(120), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class TopicIndex(Model):
    """A topic's built area index at one topic version, for workers that start without it in memory.

    Kept in the database rather than on a worker's disk, so that a database restored from a backup or
    recreated never meets a snapshot of other subscriptions, and workers on several machines share it.
    """

    __tablename__ = "notify_topic_index"

    topic: Mapped[str] = mapped_column(String(120), primary_key=True)
    crs: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)  # the topic version it was built at
    data: Mapped[bytes] = mapped_column(LargeBinary)  # civicapps.notify.snapshot's encoding
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MatchRequest(Model):
    """Ingested records waiting to be matched: written by the event hook, consumed by the match job."""

    __tablename__ = "notify_match_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset: Mapped[str] = mapped_column(String(200))
    new: Mapped[str] = mapped_column(Text)  # JSON list of primary keys
    changed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboxMessage(Model):
    """A message the development inbox received over HTTP from apprise (demo and development only)."""

    __tablename__ = "notify_inbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(Text)  # in full: the developer's own test targets
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    body_format: Mapped[str] = mapped_column(String(10), default="text", server_default="text")
