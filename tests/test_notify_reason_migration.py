"""Migration notify_0009: outbox rows gain a reason code (none for those recorded before it, which are
shown as their stored words), and a downgrade drops it without touching the rows."""

from datetime import UTC, datetime

import sqlalchemy as sa
from test_notify_item_migration import SUBSCRIPTION_ROW, migrate

from civicapps.notify.models import OutboxRow, Subscription


def columns(app):
    return {c["name"] for c in sa.inspect(app.extensions["civicapps"].db.engine).get_columns("notify_outbox")}


def test_rows_recorded_before_keep_their_words_both_ways(civic_app_factory):
    app = civic_app_factory()
    migrate(app, "notify_0008", "downgrade")
    assert "last_reason" not in columns(app)
    now = datetime.now(UTC)
    engine = app.extensions["civicapps"].db.engine
    old_outbox = sa.table(
        "notify_outbox",
        *(sa.column(name) for name in ("subscription_id", "item_key", "kind", "status", "attempts", "last_error")),
        *(sa.column(name) for name in ("next_attempt_at", "created_at", "payload")),
    )
    with engine.begin() as connection:
        connection.execute(sa.insert(Subscription).values(**SUBSCRIPTION_ROW, created_at=now))
        connection.execute(
            sa.insert(old_outbox).values(
                subscription_id=1,
                item_key="7",
                kind="new",
                status="failed",
                attempts=5,
                last_error="not sent: no answer within 30 s",
                next_attempt_at=now,
                created_at=now,
                payload="{}",
            )
        )

    migrate(app, "heads", "upgrade")
    with engine.connect() as connection:
        row = connection.execute(sa.select(OutboxRow.last_error, OutboxRow.last_reason)).one()
    assert tuple(row) == ("not sent: no answer within 30 s", None)

    migrate(app, "notify_0008", "downgrade")
    assert "last_reason" not in columns(app)
    with engine.connect() as connection:
        assert connection.execute(sa.select(old_outbox.c.last_error)).scalar() == "not sent: no answer within 30 s"
    migrate(app, "heads", "upgrade")
    assert "last_reason" in columns(app)
