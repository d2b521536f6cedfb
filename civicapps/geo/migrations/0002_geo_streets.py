"""Street list: named streets with a point, for offline place search.

Revision ID: geo_0002
Revises: geo_0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "geo_0002"
down_revision = "geo_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "geo_street",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("locality", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.UniqueConstraint("key", "locality", name="uq_geo_street_key_locality"),
    )
    op.create_index("ix_geo_street_key", "geo_street", ["key"])


def downgrade() -> None:
    op.drop_index("ix_geo_street_key", table_name="geo_street")
    op.drop_table("geo_street")
