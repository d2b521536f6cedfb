"""Migration notify_0007: subscriptions gain a language (none for those made before it, which keep
getting the default language), and a downgrade drops it without touching their queued messages."""

from datetime import UTC, datetime

import sqlalchemy as sa
from test_notify_item_migration import SUBSCRIPTION_ROW, migrate

from civicapps.db import db_session
from civicapps.notify.models import OutboxRow, Subscription


def columns(app):
    return {c["name"] for c in sa.inspect(app.extensions["civicapps"].db.engine).get_columns("notify_subscription")}


def test_existing_subscriptions_get_no_language_and_keep_their_messages_both_ways(civic_app_factory):
    app = civic_app_factory()
    migrate(app, "notify_0006", "downgrade")
    assert "language" not in columns(app)
    now = datetime.now(UTC)
    engine = app.extensions["civicapps"].db.engine
    old_subscription = sa.table(
        "notify_subscription",
        *(sa.column(name) for name in ("id", "topic", "channel", "target", "target_hash")),
        *(sa.column(name) for name in ("frequency", "status", "confirm_attempts", "changed", "created_at")),
    )
    with engine.begin() as connection:
        connection.execute(sa.insert(old_subscription).values(**SUBSCRIPTION_ROW, created_at=now))
        connection.execute(
            sa.insert(OutboxRow).values(
                subscription_id=1,
                item_key="7",
                kind="new",
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                payload="{}",
            )
        )

    migrate(app, "heads", "upgrade")
    with app.app_context():
        assert db_session().get(Subscription, 1).language is None
        db_session().get(Subscription, 1).language = "cy"
        db_session().commit()

    migrate(app, "notify_0006", "downgrade")
    assert "language" not in columns(app)
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(OutboxRow.__table__)).scalar() == 1, (
            "dropping the column must not rebuild the table (on SQLite that cascade-deletes the outbox)"
        )
        assert connection.execute(sa.select(old_subscription.c.status)).scalar() == "active"
    migrate(app, "heads", "upgrade")
    assert "language" in columns(app)
