"""Rate limits shared by every web process (civicapps.limits): hits per key per window.

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0003"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_rate_limit",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("window", sa.BigInteger(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_core_rate_limit_expires", "core_rate_limit", ["expires"])


def downgrade() -> None:
    op.drop_table("core_rate_limit")
