"""Feed state and record versions.

Revision ID: feeds_0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "feeds_0001"
down_revision = None
branch_labels = ("feeds",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feeds_feed_state",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("etag", sa.String(500), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        sa.Column("body_digest", sa.String(64), nullable=True),
        sa.Column("config_digest", sa.String(64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_ingested", sa.Integer(), nullable=False),
        sa.Column("rows_skipped", sa.Integer(), nullable=False),
        sa.Column("rows_warned", sa.Integer(), nullable=False),
        sa.Column("rows_new", sa.Integer(), nullable=False),
        sa.Column("rows_changed", sa.Integer(), nullable=False),
        sa.Column("issues", sa.JSON(), nullable=True),
    )
    op.create_table(
        "feeds_record_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("source_feed", sa.String(100), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("dataset", "record_id", "version", name="uq_feeds_record_version"),
    )
    op.create_index("ix_feeds_record_version_record", "feeds_record_version", ["dataset", "record_id"])


def downgrade() -> None:
    op.drop_index("ix_feeds_record_version_record", table_name="feeds_record_version")
    op.drop_table("feeds_record_version")
    op.drop_table("feeds_feed_state")
