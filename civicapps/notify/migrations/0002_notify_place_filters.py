"""Subscriptions remember the place typed (a postcode) and carry per-topic filters.

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
    with op.batch_alter_table("notify_subscription") as batch:
        batch.add_column(sa.Column("place", sa.String(200), nullable=True))
        batch.add_column(sa.Column("filters", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notify_subscription") as batch:
        batch.drop_column("filters")
        batch.drop_column("place")
