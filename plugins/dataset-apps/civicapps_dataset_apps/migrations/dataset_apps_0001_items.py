"""Records of configured dataset apps.

Revision ID: dataset_apps_0001
Revises:
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "dataset_apps_0001"
down_revision = None
branch_labels = ("dataset_apps",)
depends_on = None

TABLE = "dataset_apps_item"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_feed", sa.String(100), nullable=False),
        sa.Column("source_position", sa.Integer(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("record", sa.Text(), nullable=False),
        sa.UniqueConstraint("authority", "reference", name=f"uq_{TABLE}_authority_reference"),
    )
    op.create_index("ix_dataset_apps_item_first_seen_at", TABLE, ["authority", "first_seen_at"])


def downgrade() -> None:
    op.drop_index("ix_dataset_apps_item_first_seen_at", table_name=TABLE)
    op.drop_table(TABLE)
