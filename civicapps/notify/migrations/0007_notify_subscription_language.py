"""Subscriptions remember their subscriber's language, so every message to them is written in it.

Existing subscriptions get none (NULL): they keep receiving messages in the deployment's
default_language, as they did before.

Plain ALTER TABLE rather than Alembic's batch mode: batch mode rebuilds a SQLite table to drop a
column, and dropping the old notify_subscription (foreign keys are on) would cascade-delete every
outbox row. SQLite adds and (since 3.35) drops a plain column in place.

Revision ID: notify_0007
Revises: notify_0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "notify_0007"
down_revision = "notify_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notify_subscription", sa.Column("language", sa.String(35), nullable=True))


def downgrade() -> None:
    op.drop_column("notify_subscription", "language")
