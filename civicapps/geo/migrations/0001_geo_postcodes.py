"""Offline postcode directory and online lookup cache.

Revision ID: geo_0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "geo_0001"
down_revision = None
branch_labels = ("geo",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "geo_postcode",
        sa.Column("postcode", sa.String(8), primary_key=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("terminated", sa.String(6), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
    )
    op.create_table(
        "geo_lookup_cache",
        sa.Column("query", sa.String(200), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("geo_lookup_cache")
    op.drop_table("geo_postcode")
