"""Rounds, addresses and exceptions (core datasets), disruption notices and the reminder ledger.

Revision ID: bin_collections_0001
Revises:
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "bin_collections_0001"
down_revision = None
branch_labels = ("bin_collections",)
depends_on = None


def _record(table: str, *columns: sa.Column) -> None:
    """A dataset table: civicapps.Record's key and provenance, then the dataset's own columns."""
    op.create_table(
        table,
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
        *columns,
        sa.UniqueConstraint("authority", "reference", name=f"uq_{table}_authority_reference"),
    )


def upgrade() -> None:
    _record(
        "bin_collections_round",
        sa.Column("bin", sa.String(100), nullable=False),
        sa.Column("colour", sa.String(50), nullable=True),
        sa.Column("weekday", sa.String(20), nullable=False),
        sa.Column("frequency", sa.String(30), nullable=False),
        sa.Column("reference_date", sa.Date(), nullable=True),
        sa.Column("week", sa.String(1), nullable=True),
    )
    _record(
        "bin_collections_address",
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("postcode", sa.String(10), nullable=False),
        sa.Column("rounds", sa.String(500), nullable=False),
    )
    op.create_index("ix_bin_collections_address_postcode", "bin_collections_address", ["postcode"])
    _record(
        "bin_collections_change",
        sa.Column("original_date", sa.Date(), nullable=False),
        sa.Column("new_date", sa.Date(), nullable=True),
        sa.Column("rounds", sa.String(500), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
    )
    op.create_table(
        "bin_collections_disruption",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("rounds", sa.String(500), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "bin_collections_evening",
        sa.Column("collection_date", sa.Date(), primary_key=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bin_collections_evening")
    op.drop_table("bin_collections_disruption")
    op.drop_table("bin_collections_change")
    op.drop_index("ix_bin_collections_address_postcode", table_name="bin_collections_address")
    op.drop_table("bin_collections_address")
    op.drop_table("bin_collections_round")
