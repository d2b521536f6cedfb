"""Migration notify_0006: alert rows queued before it keep their message when their items move out
of each row's payload into notify_item, and a downgrade writes them back."""

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command

from civicapps.db import db_session
from civicapps.migrations import _config, migration_sets
from civicapps.notify.models import ItemSnapshot, OutboxRow, Subscription
from civicapps.notify.outbox import claim

OLD_OUTBOX = sa.table(
    "notify_outbox",
    sa.column("id", sa.Integer),
    sa.column("subscription_id", sa.Integer),
    sa.column("item_key", sa.String),
    sa.column("kind", sa.String),
    sa.column("status", sa.String),
    sa.column("attempts", sa.Integer),
    sa.column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("payload", sa.Text),
)
ITEM = {"id": 7, "title": "Seal on the slipway", "url": None, "summary": "", "lon": -4.48, "lat": 54.15, "details": {}}
CHANGED = {**ITEM, "summary": "Status: seen → gone"}


#: A confirmed subscription as every revision of notify_subscription since notify_0001 can hold it.
SUBSCRIPTION_ROW = {
    "id": 1,
    "topic": "sightings.near",
    "channel": "webhook",
    "target": "https://example.org/",
    "target_hash": "h",
    "frequency": "instant",
    "status": "active",
    "confirm_attempts": 0,
    "changed": 0,
}


def alert(topic_title, item, distance=None):
    shown = item if distance is None else {**item, "distance_m": distance}
    return {"topic": "sightings.near", "topic_title": topic_title, "item": shown}


def migrate(app, revision, direction):
    engine = app.extensions["civicapps"].db.engine
    with engine.connect() as connection, connection.begin():
        getattr(command, direction)(_config(migration_sets(app)["notify"], connection), revision)


def test_queued_alerts_keep_their_message_through_upgrade_and_downgrade(civic_app_factory):
    app = civic_app_factory()
    migrate(app, "notify_0005", "downgrade")
    engine = app.extensions["civicapps"].db.engine
    past = datetime.now(UTC) - timedelta(minutes=1)
    payloads = [
        alert("Sightings near you", ITEM, 120),
        alert("Sightings near you", ITEM, 480),
        alert("Sightings near you", CHANGED),  # a polygon subscription: no distance
        {"title": "Your report", "text": "Thank you; we have the item."},  # a direct message: its own payload
    ]
    keys = [("7", "new"), ("7", "new"), ("7@2", "changed"), ("report-1", "direct")]
    with engine.begin() as connection:
        subscriptions = [
            connection.execute(
                sa.insert(Subscription)
                .values(topic="sightings.near", channel="webhook", target="https://example.org/", target_hash=str(n))
                .values(frequency="instant", status="active", confirm_attempts=0, changed=0, created_at=past)
                .returning(Subscription.id)
            ).scalar_one()
            for n in range(4)
        ]
        connection.execute(
            sa.insert(OLD_OUTBOX),
            [
                {
                    "subscription_id": subscription,
                    "item_key": key,
                    "kind": kind,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": past,
                    "created_at": past,
                    "payload": json.dumps(payload),
                }
                for subscription, (key, kind), payload in zip(subscriptions, keys, payloads, strict=True)
            ],
        )

    migrate(app, "heads", "upgrade")
    with app.app_context():
        session = db_session()
        snapshots = session.scalars(sa.select(ItemSnapshot).order_by(ItemSnapshot.id)).all()
        assert [(s.item_key, s.version) for s in snapshots] == [("7", ""), ("7", "2")], "each item stored once"
        rows = session.scalars(sa.select(OutboxRow).order_by(OutboxRow.id)).all()
        assert [r.item_id for r in rows] == [snapshots[0].id, snapshots[0].id, snapshots[1].id, None]
        assert [r.distance_m for r in rows] == [120, 480, None, None]
        assert [r.payload for r in rows[:3]] == ["{}"] * 3
        _, claimed = claim(session, 10)
        assert [c.payload for c in claimed] == payloads, "a claimed row reads as the message it was queued as"

    migrate(app, "notify_0005", "downgrade")
    with engine.connect() as connection:
        restored = connection.execute(sa.select(OLD_OUTBOX.c.payload).order_by(OLD_OUTBOX.c.id)).scalars().all()
    assert [json.loads(p) for p in restored] == payloads
    migrate(app, "heads", "upgrade")
