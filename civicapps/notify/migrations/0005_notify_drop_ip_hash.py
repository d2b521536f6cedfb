"""Drop notify_subscription.ip_hash: sign-ups are counted by the shared ``civicapps.RateLimit`` now.

The column held a keyed hash of the subscriber's client address, written on each sign-up but read
by nothing since the move to the shared limiter; keeping it would only keep personal data.
Downgrade adds the column back (empty) with its index, as 0001 made it.

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
    with op.batch_alter_table("notify_subscription") as batch:
        batch.drop_index("ix_notify_subscription_ip_hash")
        batch.drop_column("ip_hash")


def downgrade() -> None:
    with op.batch_alter_table("notify_subscription") as batch:
        batch.add_column(sa.Column("ip_hash", sa.String(64), nullable=True))
        batch.create_index("ix_notify_subscription_ip_hash", ["ip_hash"])
