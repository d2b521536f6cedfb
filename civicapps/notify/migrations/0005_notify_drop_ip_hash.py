"""Drop notify_subscription.ip_hash: sign-ups are counted by the shared ``civicapps.RateLimit`` now.

The column held a keyed hash of the subscriber's client address, written on each sign-up but read
by nothing since the move to the shared limiter; keeping it would only keep personal data.
Downgrade adds the column back (empty) with its index, as 0001 made it.

Plain ALTER TABLE rather than Alembic's batch mode: batch mode rebuilds a SQLite table to drop a
column, and dropping the old notify_subscription (foreign keys are on) would cascade-delete every
outbox row. SQLite (since 3.35) drops an unindexed plain column in place, so the index goes first.

Revision ID: notify_0005
Revises: notify_0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "notify_0005"
down_revision = "notify_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_notify_subscription_ip_hash", table_name="notify_subscription")
    op.drop_column("notify_subscription", "ip_hash")


def downgrade() -> None:
    op.add_column("notify_subscription", sa.Column("ip_hash", sa.String(64), nullable=True))
    op.create_index("ix_notify_subscription_ip_hash", "notify_subscription", ["ip_hash"])
