"""Subscriptions remember the place typed (a postcode) and carry per-topic filters.

Plain ALTER TABLE rather than Alembic's batch mode: batch mode rebuilds a SQLite table to drop a
column, and dropping the old notify_subscription (foreign keys are on) would cascade-delete every
outbox row on downgrade. SQLite adds and (since 3.35) drops a plain column in place.

Revision ID: notify_0002
Revises: notify_0001
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0002"
down_revision = "notify_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notify_subscription", sa.Column("place", sa.String(200), nullable=True))
    op.add_column("notify_subscription", sa.Column("filters", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("notify_subscription", "filters")
    op.drop_column("notify_subscription", "place")
